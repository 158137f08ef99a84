"""Moving a partnership between stages: the transitions the viewer may take now, each with
its reason prompt where the workflow asks for one, and the blocked ones with their reasons.

For the partnership's supervisor and the program's managers alike. It reads
``transitions.available`` and fires ``transitions.transition``, as
``GET|POST /partnerships/<id>/transitions`` do, always with ``expected_stage`` (the stage
the page showed), so a partnership someone else moved meanwhile is not moved again: that
409 comes back as a message on the page, with the choices of the stage it is in now.
"""

from __future__ import annotations

from flask import redirect, request
from werkzeug.wrappers import Response

from ...errors import Conflict, Forbidden, ValidationFailed
from ...i18n import gettext, lazy_gettext
from ...i18n_workflow import stage_name
from ...services import transitions
from ...services.display_names import display_names
from .._routes import RouteTable
from ._render import page_actor, page_url, render_page
from .supervisor_forms import FieldErrors

TEMPLATE = "tpm/pages/supervisor/stage.html"

#: The shipped guards' reasons in the viewer's language (a program's own guards keep the
#: sentence they were registered with).
GUARD_REASONS = {
    "identification_complete": lazy_gettext(
        "Identification needs the client's own voice and an observation or others' report."
    ),
    "plan_complete": lazy_gettext(
        "The plan needs an activity, and each activity a domain and a link to what "
        "identification found."
    ),
    "partner_and_supervisor_assigned": lazy_gettext(
        "A partner and a supervisor must be assigned first."
    ),
    "review_outcome_close": lazy_gettext("The latest review must decide to close."),
    "review_decided_continue": lazy_gettext(
        "Write a review in this stage that decides to continue."
    ),
    "review_decided_replan": lazy_gettext(
        "Write a review in this stage that decides to plan again."
    ),
    "review_decided_close": lazy_gettext("Write a review in this stage that decides to close."),
    "plan_made_since_replan": lazy_gettext(
        "The last review decided to plan again: make a new plan version first."
    ),
    "returns_to_held_stage": lazy_gettext(
        "A partnership on hold resumes only in the stage it was put on hold from."
    ),
}
ROLE_NAMES = {
    "program_manager": lazy_gettext("program manager"),
    "supervisor": lazy_gettext("supervisor"),
    "partner": lazy_gettext("partner"),
}


def partnership_stage(partnership_id: int) -> Response | tuple[str, int]:
    """``GET|POST /partnerships/<partnership_id>/stage``: the transitions, and taking one
    (form fields ``trigger``, ``expected_stage`` and, where asked, ``reason``)."""
    actor = page_actor()
    errors: FieldErrors = {}
    message = None
    status = 200
    if request.method == "POST":
        trigger = request.form.get("trigger", "")
        try:
            transitions.transition(
                actor,
                partnership_id,
                trigger,
                request.form.get("reason") or None,
                expected_stage=request.form.get("expected_stage") or None,
            )
        except ValidationFailed:
            status, errors = 422, {f"reason-{trigger}": [_reason_message()]}
        except Conflict as conflict:
            status, message = 409, _conflict_message(conflict)
        except Forbidden:
            status, message = 403, gettext("Your role on this partnership may not take this step.")
        else:
            return redirect(
                page_url("partnership_stage", partnership_id=partnership_id, moved=1), 303
            )
    availability = transitions.available(actor, partnership_id)
    names = display_names(actor, partnership_ids=[partnership_id])
    return render_page(
        TEMPLATE,
        status=status,
        availability=availability,
        client_name=names.clients.get(partnership_id),
        errors=errors,
        message=message,
        form=request.form if request.method == "POST" else {},
        blocked_reason=blocked_reason,
        moved=request.args.get("moved") == "1",
        reviewed=request.args.get("review") == "1",
        action=page_url("partnership_stage", partnership_id=partnership_id),
        review_url=page_url("review_write", partnership_id=partnership_id),
    )


def blocked_reason(reason: dict[str, str]) -> str:
    """Why a transition is blocked, in the viewer's language where the page knows it."""
    if "guard" in reason:
        known = GUARD_REASONS.get(reason["guard"])
        return str(known) if known is not None else reason["message"]
    roles = [str(ROLE_NAMES.get(role.strip(), role.strip())) for role in reason["role"].split(",")]
    return gettext("Only the %(roles)s of this partnership may do this.", roles=" / ".join(roles))


def _reason_message() -> str:
    return gettext("Write why (up to 2,000 characters): this step needs a reason.")


def _conflict_message(conflict: Conflict) -> str:
    if conflict.code == "stage_changed":
        return gettext(
            "Someone moved this partnership meanwhile: it is now in %(stage)s. Nothing was "
            "changed; choose again below.",
            stage=stage_name(conflict.extra.get("stage")),
        )
    if conflict.code == "partnership_closed":
        return gettext("This partnership has ended; it cannot move any more.")
    return gettext(
        "This step is not possible now; nothing was changed. The choices below are current."
    )


def register(routes: RouteTable) -> None:
    """Add the stage page to ``routes``."""
    routes.add_url_rule(
        "/partnerships/<int:partnership_id>/stage",
        "partnership_stage",
        partnership_stage,
        methods=["GET", "POST"],
    )
