"""The words and numbers of the fidelity chart (:mod:`.fidelity_chart`), in the language
Flask-Babel chose for the request: titles, the window and summary lines, the notes of weeks
below target, and numbers and dates as Babel writes them in that locale. English outside a
request."""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask_babel import get_locale

from ..i18n import gettext, lazy_gettext, ngettext
from ..services.fidelity import Fidelity

#: The chart's title for each scope of :class:`~tpm_plugin.services.fidelity.Fidelity`.
TITLES = {
    "partnership": lazy_gettext("Fidelity of partnership %(id)s, week by week"),
    "partner": lazy_gettext("Fidelity of partner %(id)s, week by week"),
    "supervisor": lazy_gettext("Fidelity of supervisor %(id)s, week by week"),
    "program": lazy_gettext("Fidelity of program %(id)s, week by week"),
}


def day_and_month(day: dt.date) -> str:
    # Babel's short month with the locale's own ordering and any dot it abbreviates with
    # ("11 Mar", "11 mar").
    return babel_dates.format_skeleton("dMMM", day, locale=_locale())


def _locale() -> str:
    return str(get_locale() or "en")


def title_of(fidelity: Fidelity) -> str:
    title = TITLES.get(fidelity.scope)
    if title is None:  # pragma: no cover - the four scopes are all there are
        return f"{fidelity.scope} {fidelity.scope_id}"
    return str(title) % {"id": fidelity.scope_id}


def window_line(fidelity: Fidelity) -> str:
    weeks = fidelity.weeks
    zone = gettext("weeks start Monday, %(timezone)s", timezone=fidelity.timezone)
    if not weeks:
        return gettext("No weeks (%(zone)s)", zone=zone)
    return gettext(
        "%(weeks)s, %(first)s to %(last)s (%(zone)s)",
        weeks=ngettext("%(num)s week", "%(num)s weeks", len(weeks)),
        first=weeks[0].monday.isoformat(),
        last=weeks[-1].monday.isoformat(),
        zone=zone,
    )


def below_note(below: int, weeks: int) -> str:
    return ngettext(
        "%(below)s of %(num)s week below target",
        "%(below)s of %(num)s weeks below target",
        weeks,
        below=below,
    )


def below_suffix() -> str:
    return gettext("; below target")


def summary(fidelity: Fidelity) -> str:
    weeks = fidelity.weeks
    return gettext(
        "Meetings: %(held)s held of %(targeted)s targeted; %(meeting_below)s of %(weeks)s "
        "weeks below target. Supervision: %(delivered)s of %(owed)s minutes delivered; "
        "%(supervision_below)s of %(weeks)s weeks below what is owed.",
        held=sum(w.meetings_held for w in weeks),
        targeted=_number(sum(w.meetings_target for w in weeks), "#,##0.##"),
        meeting_below=fidelity.meeting_weeks_below_target,
        weeks=len(weeks),
        delivered=minutes(sum(w.supervision_minutes_delivered for w in weeks)),
        owed=minutes(sum(w.supervision_minutes_owed for w in weeks)),
        supervision_below=fidelity.supervision_weeks_below_target,
    )


def _number(value: float, pattern: str) -> str:
    return babel_numbers.format_decimal(value, pattern, locale=_locale())


def minutes(value: float) -> str:
    return _number(value, "#,##0.#")


def owed(value: float) -> str:
    # Owed meetings are a decimal (a share of the week); whole ones read as whole numbers.
    return _number(value, "#,##0.##")


def whole(value: float) -> str:
    # Over a bar the exact tenths only crowd the slot; the week's title keeps them.
    return _number(round(value), "#,##0")
