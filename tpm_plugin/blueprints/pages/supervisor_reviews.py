"""Writing a review: how the partnership feels and works, how connected the client is in
each domain (1-5), and the decision: plan again, continue, or close.

The review is ``reviews.add_review``, as ``POST /partnerships/<id>/reviews``. Recording it
does not move the partnership (the service's rule); the page then goes to the stage page,
where the transition the review decided is offered.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request
from werkzeug.wrappers import Response

from ...errors import Forbidden, ValidationFailed
from ...i18n import gettext, lazy_gettext
from ...models.care import DOMAINS, REVIEW_OUTCOMES
from ...schemas.records import ReviewCreateSchema
from ...services import partnerships, people, reviews
from ...services.display_names import display_names
from .._request import load
from .._routes import RouteTable
from ._render import page_actor, page_url, render_page
from .supervisor_forms import FieldErrors, FormRefused, local_now, parse_local, translated

TEMPLATE = "tpm/pages/supervisor/review_form.html"

#: The five domains as the form names them.
DOMAIN_LABELS = {
    "self": lazy_gettext("Self"),
    "others": lazy_gettext("Others"),
    "school": lazy_gettext("School"),
    "work": lazy_gettext("Work"),
    "play": lazy_gettext("Play"),
}
#: The decisions a review takes.
OUTCOME_LABELS = {
    "replan": lazy_gettext("Plan again"),
    "continue": lazy_gettext("Continue as planned"),
    "close": lazy_gettext("Close the partnership"),
}


def write_review(partnership_id: int) -> Response | tuple[str, int]:
    """``GET|POST /partnerships/<partnership_id>/review``: the review form, and recording it
    (the partnership's supervisor and the program's managers; a partner may not)."""
    actor = page_actor()
    partnership = partnerships.get_partnership(actor, partnership_id)
    if not reviews.may_write_reviews(actor, partnership):
        raise Forbidden(gettext("Only the supervisor or a program manager writes reviews."))
    timezone = people.get_program(actor, partnership.program_id).timezone
    errors: FieldErrors = {}
    if request.method == "POST":
        try:
            data = _review_data(timezone)
            reviews.add_review(actor, partnership_id, load(ReviewCreateSchema(), data))
        except FormRefused as refused:
            errors = refused.errors
        except ValidationFailed as failed:
            errors = translated(failed.fields, _messages(), _RENAMED)
        else:
            return redirect(
                page_url("partnership_stage", partnership_id=partnership_id, review=1), 303
            )
    names = display_names(actor, partnership_ids=[partnership_id])
    return render_page(
        TEMPLATE,
        status=422 if errors else 200,
        partnership=partnership,
        client_name=names.clients.get(partnership_id),
        errors=errors,
        form=request.form if request.method == "POST" else {},
        held_at_default=local_now(timezone),
        domains=DOMAIN_LABELS,
        outcomes={key: OUTCOME_LABELS[key] for key in REVIEW_OUTCOMES},
        action=page_url("review_write", partnership_id=partnership_id),
    )


def _review_data(timezone: str) -> dict[str, Any]:
    form = request.form
    errors: FieldErrors = {}
    held_at = None
    try:
        held_at = parse_local(form.get("held_at", ""), timezone, "held_at")
    except FormRefused as refused:
        errors.update(refused.errors)
    ratings = []
    for domain in DOMAINS:
        value = form.get(f"rating-{domain}", "").strip()
        if not value:
            continue
        if value not in {"1", "2", "3", "4", "5"}:
            errors[f"rating-{domain}"] = [_messages()["rating"]]
            continue
        ratings.append({"domain": domain, "rating": int(value)})
    if errors:
        raise FormRefused(errors)
    participants = [line.strip() for line in form.get("participants", "").splitlines()]
    return {
        "held_at": held_at.isoformat(),
        "participants": [name for name in participants if name],
        "discussion": form.get("discussion", "").strip(),
        "changes_decided": form.get("changes_decided", "").strip() or None,
        "outcome": form.get("outcome", ""),
        "ratings": ratings,
    }


_RENAMED = {
    "held_at": "held_at",
    "participants": "participants",
    "discussion": "discussion",
    "changes_decided": "changes_decided",
    "outcome": "outcome",
    "ratings": "_ratings",
}


def _messages() -> dict[str, str]:
    return {
        "held_at": gettext("Enter the date and time, for example 2026-03-05 16:30."),
        "participants": gettext(
            "Name who took part, one per line (1 to 20 people, up to 100 characters each)."
        ),
        "discussion": gettext("Write what you discussed (up to 10,000 characters)."),
        "changes_decided": gettext("Shorten the changes decided to at most 10,000 characters."),
        "outcome": gettext("Choose what the review decided: plan again, continue or close."),
        "rating": gettext("Choose a rating from 1 to 5, or leave the domain unrated."),
    }


def register(routes: RouteTable) -> None:
    """Add the review form to ``routes``."""
    routes.add_url_rule(
        "/partnerships/<int:partnership_id>/review",
        "review_write",
        write_review,
        methods=["GET", "POST"],
    )
