"""Logging a supervision session with a partner: one form, a row per partnership of theirs
that the supervisor supervises, with the minutes spent on it.

A session is one service call (``supervision.add_session``, or
``supervision.log_session_outcome`` for a block of the week that was scheduled), and one
call is one transaction: when any row is refused, nothing is written and every refused row
shows its message beside it. With htmx, only the form's part of the page comes back (its
messages, or that the session is logged).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, make_response, redirect, request
from werkzeug.wrappers import Response

from ...errors import NotFound, ValidationFailed
from ...i18n import gettext
from ...schemas.partnerships import PartnershipListQuerySchema
from ...schemas.records import (
    MAX_SUPERVISION_MINUTES,
    SupervisionCreateSchema,
    SupervisionOutcomeSchema,
)
from ...services import partnerships, people, supervision
from ...services.display_names import display_names
from .._request import load
from .._routes import RouteTable
from ._htmx import pick, varies, wants_fragment
from ._render import page_actor, page_url, render_page
from .supervisor_forms import (
    FieldErrors,
    FormRefused,
    chosen_supervisor,
    local_now,
    parse_local,
    parse_minutes,
    query_id,
    translated,
)

TEMPLATE = "tpm/pages/supervisor/session_form.html"
#: The form's part of the page, which a post with htmx gets back.
FRAGMENT = "tpm/pages/supervisor/session_log.html"


def log_supervision(partner_id: int) -> Response:
    """``GET|POST /supervisor/partners/<partner_id>/supervision``: the form, and logging it.
    ``?session_id=`` logs that scheduled block of the week instead of a new session."""
    actor = page_actor()
    supervisor_id = chosen_supervisor(actor)
    session_id = query_id("session_id")
    rows = _supervised(actor, supervisor_id, partner_id)
    timezone = people.get_program(actor, rows[0]["program_id"]).timezone
    errors: FieldErrors = {}
    logged = False
    if request.method == "POST":
        try:
            _log(actor, supervisor_id, partner_id, session_id, rows, timezone)
        except FormRefused as refused:
            errors = refused.errors
        except ValidationFailed as failed:
            errors = translated(failed.fields, _messages(), _RENAMED)
        else:
            if not wants_fragment():
                return varies(redirect(_week_url(logged=1), code=303))
            logged = True
    names = display_names(actor, partnership_ids=[r["id"] for r in rows], partner_ids=[partner_id])
    page = render_page(
        pick(TEMPLATE, FRAGMENT),
        status=422 if errors else 200,
        logged=logged,
        rows=rows,
        names=names,
        partner_id=partner_id,
        session_id=session_id,
        errors=errors,
        form=request.form if request.method == "POST" else {},
        held_at_default=local_now(timezone),
        action=page_url(
            "supervision_log",
            partner_id=partner_id,
            session_id=session_id,
            supervisor_id=request.args.get("supervisor_id"),
        ),
        week_url=_week_url(),
        max_minutes=MAX_SUPERVISION_MINUTES,
    )
    return varies(make_response(page))


def _week_url(**extra: Any) -> str:
    return page_url("supervisor_week", supervisor_id=request.args.get("supervisor_id"), **extra)


def _supervised(actor: Any, supervisor_id: int, partner_id: int) -> list[Any]:
    listing = load(
        PartnershipListQuerySchema(),
        {
            "supervisor_id": supervisor_id,
            "partner_id": partner_id,
            "page_size": current_app.config["TPM_MAX_PAGE_SIZE"],
        },
    )
    rows = [
        row for row in partnerships.list_partnerships(actor, listing).items if not row["ended_at"]
    ]
    if not rows:
        raise NotFound(gettext("No partner %(id)s that you supervise.", id=partner_id))
    return rows


def _log(
    actor: Any,
    supervisor_id: int,
    partner_id: int,
    session_id: int | None,
    rows: list[Any],
    timezone: str,
) -> None:
    form = request.form
    errors: FieldErrors = {}
    split = []
    for row in rows:
        field = f"minutes-{row['id']}"
        try:
            minutes = parse_minutes(form.get(field, ""), field, MAX_SUPERVISION_MINUTES)
        except FormRefused as refused:
            errors.update(refused.errors)
            continue
        if minutes:
            split.append({"partnership_id": row["id"], "minutes": minutes})
    held_at = None
    if session_id is None:
        try:
            held_at = parse_local(form.get("held_at", ""), timezone, "held_at")
        except FormRefused as refused:
            errors.update(refused.errors)
    if not errors and not split:
        errors["_rows"] = [gettext("Enter the minutes spent on at least one partnership.")]
    if errors:
        raise FormRefused(errors)
    data: dict[str, Any] = {
        "status": "held",
        "held_minutes": sum(item["minutes"] for item in split),
        "partnership_ids": [item["partnership_id"] for item in split],
        "partnership_minutes": split,
        "notes": form.get("notes", "").strip() or None,
    }
    if session_id is not None:
        supervision.log_session_outcome(actor, session_id, load(SupervisionOutcomeSchema(), data))
        return
    data.update(
        supervisor_id=supervisor_id, partner_id=partner_id, scheduled_at=held_at.isoformat()
    )
    supervision.add_session(actor, load(SupervisionCreateSchema(), data))


_RENAMED = {
    "scheduled_at": "held_at",
    "notes": "notes",
    "held_minutes": "_rows",
    "partnership_ids": "_rows",
    "partnership_minutes": "_rows",
}


def _messages() -> dict[str, str]:
    return {
        "held_at": gettext("Enter the date and time, for example 2026-03-05 16:30."),
        "notes": gettext("Shorten the notes to at most 10,000 characters."),
        "_rows": gettext(
            "These partnerships cannot be logged together: reload the page and enter the "
            "minutes again (at most %(maximum)s in all).",
            maximum=MAX_SUPERVISION_MINUTES,
        ),
    }


def register(routes: RouteTable) -> None:
    """Add the supervision form to ``routes``."""
    routes.add_url_rule(
        "/supervisor/partners/<int:partner_id>/supervision",
        "supervision_log",
        log_supervision,
        methods=["GET", "POST"],
    )
