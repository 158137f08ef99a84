"""The words the partner's pages show for the model's codes (stages, kinds of entry,
domains, meeting outcomes, guard sentences, notices), in the viewer's language.

Codes a program made up itself (a stage or guard of its own workflow) have no translation
here: the page shows the workflow's own label or sentence instead.
"""

from __future__ import annotations

from typing import Any

from ...i18n import lazy_gettext
from ._render import render_page
from .partner_forms import FormErrors

#: The partner's main page ("My partnerships"), where a logged meeting leads back to.
HOME_ENDPOINT = "partner_home"

#: How the partner's pages write times (CLDR patterns, in the viewer's locale): a meeting
#: today, one on another day of the week, a meeting's full date, a record's day.
TIME = "HH:mm"
WEEKDAY_AND_TIME = "EEEE HH:mm"
DAY_AND_TIME = "EEEE d MMMM y, HH:mm"
DAY = "d MMM y"

STAGES = {
    "referred": lazy_gettext("Referred"),
    "identification": lazy_gettext("Identification"),
    "planning": lazy_gettext("Planning"),
    "active": lazy_gettext("Active"),
    "review": lazy_gettext("Review"),
    "closing": lazy_gettext("Closing"),
    "on_hold": lazy_gettext("On hold"),
    "closed": lazy_gettext("Closed"),
    "withdrawn": lazy_gettext("Withdrawn"),
}

KINDS = {
    "client_voice": lazy_gettext("The client's own voice"),
    "observation": lazy_gettext("Observation"),
    "others_report": lazy_gettext("What others report"),
}

DOMAINS = {
    "self": lazy_gettext("Self"),
    "others": lazy_gettext("Others"),
    "school": lazy_gettext("School"),
    "work": lazy_gettext("Work"),
    "play": lazy_gettext("Play"),
}

MEETING_STATUSES = {
    "scheduled": lazy_gettext("To log"),
    "held": lazy_gettext("Held"),
    "cancelled": lazy_gettext("Cancelled"),
    "no_show": lazy_gettext("No-show"),
}

CANCELLED_BY = {
    "client": lazy_gettext("The client"),
    "partner": lazy_gettext("Me (the partner)"),
    "center": lazy_gettext("The center"),
}

#: The shipped guards' sentences (a program's own guards show their registered sentence).
GUARDS = {
    "identification_complete": lazy_gettext(
        "Identification needs at least one entry in the client's own voice and one "
        "observation or report from others."
    ),
    "returns_to_held_stage": lazy_gettext(
        "A partnership on hold resumes only in the stage it was put on hold from."
    ),
}

NOTICES = {
    "meeting_logged": lazy_gettext("The meeting is logged. Thank you."),
    "entry_added": lazy_gettext("The identification entry is saved."),
    "plan_saved": lazy_gettext("The plan is saved as a new version."),
    "feed_revoked": lazy_gettext("Your calendar link is turned off."),
}


def label(table: dict[str, str], code: str | None, fallback: str | None = None) -> str:
    """The viewer's word for ``code`` in ``table``; else ``fallback``; else the code."""
    if code is None:
        return ""
    return str(table.get(code) or fallback or code.replace("_", " "))


def notice_text(code: str | None) -> str | None:
    """The notice a redirect asked for (``?notice=<code>``; unknown codes show nothing)."""
    return str(NOTICES[code]) if code in NOTICES else None


def render_partner(
    template: str, *, status: int = 200, form: FormErrors | None = None, **context: Any
) -> tuple[str, int]:
    """:func:`~._render.render_page` of a partner's template (below
    ``templates/tpm/pages/partner/``), with these tables and :func:`label` in its context;
    with ``form``, the page of a form shown with its messages (``errors``, ``message``) and
    the status they call for."""
    if form is not None:
        status = form.status
        context.update(errors=form.fields, message=form.message)
    return render_page(
        f"tpm/pages/partner/{template}",
        status=status,
        label=label,
        STAGES=STAGES,
        KINDS=KINDS,
        DOMAINS=DOMAINS,
        MEETING_STATUSES=MEETING_STATUSES,
        CANCELLED_BY=CANCELLED_BY,
        GUARDS=GUARDS,
        TIME=TIME,
        WEEKDAY_AND_TIME=WEEKDAY_AND_TIME,
        DAY_AND_TIME=DAY_AND_TIME,
        DAY=DAY,
        **context,
    )
