"""The fidelity chart's marks for each week: the stack of meeting outcomes, the bar of
supervision minutes delivered, the band and marker of a week below target, the words of
its ``<title>``, and its figure over the bar (see :mod:`.fidelity_chart`)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ..i18n import gettext, lazy_gettext, ngettext
from ..services.fidelity import WeekFigures
from ..workflows.diagram.drawing import number
from ..workflows.diagram.style import text_width
from .fidelity_chart_frame import LABEL_SIZE, PANEL_HEIGHT, Panel, text
from .fidelity_chart_words import below_suffix, minutes, owed, whole

_BAR_MAX_WIDTH = 34.0

#: Meeting outcomes, stacked bottom to top: (field of WeekFigures, CSS class, legend text).
MEETING_PARTS = (
    ("meetings_held", "held", lazy_gettext("held")),
    ("cancelled_by_client", "by-client", lazy_gettext("cancelled by client")),
    ("cancelled_by_partner", "by-partner", lazy_gettext("by partner")),
    ("cancelled_by_center", "by-center", lazy_gettext("by center")),
    ("no_shows", "no-show", lazy_gettext("no-show")),
)


def meeting_week(
    parent: ET.Element,
    panel: Panel,
    x: float,
    slot: float,
    week: WeekFigures,
    values: ET.Element | None,
) -> None:
    """The week's stack of meeting outcomes in ``parent``, centred on ``x``; its held
    meetings' figure in ``values`` (none when ``values`` is ``None``)."""
    below = week.meetings_below_target
    group = _week_group(parent, week, below)
    cancelled = week.cancelled_by_client + week.cancelled_by_partner + week.cancelled_by_center
    words = gettext(
        "Week of %(monday)s: %(held)s of %(target)s meetings held; %(cancelled)s cancelled "
        "(%(client)s by client, %(partner)s by partner, %(center)s by center); %(no_shows)s",
        monday=week.monday.isoformat(),
        held=week.meetings_held,
        target=owed(week.meetings_target),
        cancelled=cancelled,
        client=week.cancelled_by_client,
        partner=week.cancelled_by_partner,
        center=week.cancelled_by_center,
        no_shows=ngettext("%(num)s no-show", "%(num)s no-shows", week.no_shows),
    )
    ET.SubElement(group, "title").text = words + (below_suffix() if below else "")
    if below:
        _below_marks(group, panel, x, slot)
    bar_width = min(slot * 0.62, _BAR_MAX_WIDTH)
    base = 0
    for attribute, css, _ in MEETING_PARTS:
        count = getattr(week, attribute)
        if count:
            _bar(group, panel, x, bar_width, base, base + count, css)
            base += count
    held = str(week.meetings_held)
    if values is None:
        return
    if panel.y(0) - panel.y(week.meetings_held) >= LABEL_SIZE + 6:
        # At the foot of the held segment: it cannot be read as the height of the whole stack,
        # and the target line, drawn over the bars, does not run through it.
        _value(values, panel, x, 0, held, "inside", offset=6)
    else:
        _value(values, panel, x, stack_total(week), held, "below" if below else None)


def supervision_week(
    parent: ET.Element,
    panel: Panel,
    x: float,
    slot: float,
    week: WeekFigures,
    values: ET.Element | None,
) -> None:
    """The week's bar of supervision minutes delivered in ``parent``, centred on ``x``; its
    figure in ``values`` (none when ``values`` is ``None``)."""
    below = week.supervision_below_target
    group = _week_group(parent, week, below)
    ET.SubElement(group, "title").text = gettext(
        "Week of %(monday)s: %(delivered)s of %(owed)s supervision minutes delivered",
        monday=week.monday.isoformat(),
        delivered=minutes(week.supervision_minutes_delivered),
        owed=minutes(week.supervision_minutes_owed),
    ) + (below_suffix() if below else "")
    if below:
        _below_marks(group, panel, x, slot)
    delivered = week.supervision_minutes_delivered
    if delivered:
        _bar(group, panel, x, min(slot * 0.62, _BAR_MAX_WIDTH), 0, delivered, "delivered")
    if values is not None:
        _value(values, panel, x, delivered, whole(delivered), "below" if below else None)


def values_group(texts: Sequence[str], slot: float) -> ET.Element | None:
    """A group for a panel's figures over its bars, or ``None`` when some week's figure
    does not fit its slot: a panel labels all its weeks or none."""
    if all(text_width(words, LABEL_SIZE) <= slot - 6 for words in texts):
        return ET.Element("g", {"class": "values"})
    return None


def stack_total(week: WeekFigures) -> int:
    """The height of the week's stack of meeting outcomes."""
    return sum(getattr(week, attribute) for attribute, _, _ in MEETING_PARTS)


def _week_group(parent: ET.Element, week: WeekFigures, below: bool) -> ET.Element:
    return ET.SubElement(
        parent,
        "g",
        {"class": "week below-target" if below else "week", "data-week": week.monday.isoformat()},
    )


def _below_marks(group: ET.Element, panel: Panel, x: float, slot: float) -> None:
    """A tinted band over the week's slot and a downward triangle above it."""
    inset = min(slot * 0.06, 3.0)
    ET.SubElement(
        group,
        "rect",
        {
            "class": "band",
            "x": number(x - slot / 2 + inset),
            "y": number(panel.top),
            "width": number(slot - 2 * inset),
            "height": number(PANEL_HEIGHT),
        },
    )
    size = min(slot * 0.3, 6.0)
    top = panel.top - 3
    ET.SubElement(
        group,
        "path",
        {
            "class": "marker",
            "d": f"M{number(x - size)},{number(top - size)} L{number(x + size)},"
            f"{number(top - size)} L{number(x)},{number(top)} z",
        },
    )


def _bar(
    group: ET.Element, panel: Panel, x: float, width: float, low: float, high: float, css: str
) -> None:
    ET.SubElement(
        group,
        "rect",
        {
            "class": css,
            "x": number(x - width / 2),
            "y": number(panel.y(high)),
            "width": number(width),
            "height": number(panel.y(low) - panel.y(high)),
        },
    )


def _value(
    values: ET.Element,
    panel: Panel,
    x: float,
    top: float,
    words: str,
    variant: str | None,
    offset: float = 4,
) -> None:
    """The week's figure, ``offset`` pixels above the value ``top``."""
    css = f"value {variant}" if variant else "value"
    text(values, x, panel.y(top) - offset, words, css, anchor="middle")
