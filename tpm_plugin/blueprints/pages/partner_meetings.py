"""Logging a meeting in two taps: the partner opens a meeting of today or this week from
their main page and presses how it went (held, with its minutes; cancelled, by whom; or
no-show). The form posts to the same service as ``POST /meetings/<id>/outcome``; with htmx,
only the form's part of the page comes back (its messages, or that the meeting is logged).
"""

from __future__ import annotations

from typing import Any

from flask import make_response, redirect
from werkzeug.wrappers import Response

from ...errors import TPMError
from ...i18n import gettext
from ...schemas.common import MAX_INT
from ...schemas.records import MeetingOutcomeSchema
from ...services import meetings, partner_day
from .._routes import RouteTable
from ._htmx import pick, varies, wants_fragment
from ._render import page_actor, page_url
from .partner_forms import FIRST_VIEW, FormErrors, form_values, load_form, number, service_errors
from .partner_labels import HOME_ENDPOINT, render_partner

ENDPOINT = "partner_meeting"
#: What each button of the form posts: the outcome and, when cancelled, who cancelled.
OUTCOMES = {
    "held": {"status": "held"},
    "cancelled_client": {"status": "cancelled", "cancelled_by": "client"},
    "cancelled_partner": {"status": "cancelled", "cancelled_by": "partner"},
    "cancelled_center": {"status": "cancelled", "cancelled_by": "center"},
    "no_show": {"status": "no_show"},
}
#: The length a held meeting's box starts with (the partner changes it when it differs).
USUAL_MINUTES = 60
_SCHEMA = MeetingOutcomeSchema()


def meeting_form(meeting_id: int) -> Response:
    """``GET /partner/meetings/<id>``: the meeting and the buttons that log it."""
    return _render(meeting_id, {"minutes": str(USUAL_MINUTES)}, FIRST_VIEW)


def log_meeting(meeting_id: int) -> Response:
    """``POST /partner/meetings/<id>``: log the pressed outcome; back to the main page with
    a notice, or the form again with each field's message."""
    posted = form_values(("outcome", "minutes", "experience_note"))
    try:
        meetings.log_outcome(page_actor(), meeting_id, load_form(_SCHEMA, _outcome(posted)))
    except FormErrors as errors:
        return _render(meeting_id, posted, errors)
    except TPMError as error:
        return _render(meeting_id, posted, service_errors(error))
    if wants_fragment():
        return _render(meeting_id, {}, FIRST_VIEW, logged=True)
    return varies(redirect(page_url(HOME_ENDPOINT, notice="meeting_logged"), code=303))


def _outcome(posted: dict[str, str]) -> dict[str, Any]:
    """The outcome's fields as the API takes them (minutes and note only for a held one)."""
    outcome = OUTCOMES.get(posted.get("outcome", ""))
    if outcome is None:
        raise FormErrors({"status": [gettext("Choose how the meeting went.")]})
    data = dict(outcome)
    if data["status"] == "held":
        if "minutes" in posted:
            data["minutes"] = number(posted["minutes"])
        if "experience_note" in posted:
            data["experience_note"] = posted["experience_note"]
    return data


def _render(
    meeting_id: int, values: dict[str, str], errors: FormErrors, *, logged: bool = False
) -> Response:
    actor = page_actor()
    meeting = meetings.get_meeting(actor, meeting_id)
    card = partner_day.partnership_card(actor, meeting.partnership_id)
    page = render_partner(
        pick("meeting.html", "meeting_log.html"),
        form=errors,
        meeting=meeting,
        card=card,
        values=values,
        logged=logged,
    )
    return varies(make_response(page))


def register(routes: RouteTable) -> None:
    """Add the meeting form to ``routes``."""
    rule = f"/partner/meetings/<int(max={MAX_INT}):meeting_id>"
    routes.add_url_rule(rule, ENDPOINT, meeting_form, methods=["GET"])
    routes.add_url_rule(rule, "partner_log_meeting", log_meeting, methods=["POST"])
