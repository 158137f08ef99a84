"""A program manager's intake review: deliveries that could not be opened (dead letters),
with a replay for each, and referrals flagged as possible duplicates, with a decision on each
(:mod:`tpm_plugin.services.intake.duplicates`, as ``/intake/possible-duplicates``).

As ``/intake/dead-letters``: :mod:`tpm_plugin.services.intake.dead_letters` lists (reads
audited) and replays; a replay that still does not fit is shown beside its dead letter with
what is wrong (422), and nothing is opened.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, request
from werkzeug.wrappers import Response

from ...access import PROGRAM_MANAGER, Actor
from ...errors import TPMError
from ...i18n import lazy_gettext
from ...i18n_messages import translate_message
from ...schemas.intake import DeadLetterListQuerySchema
from ...services.intake import dead_letters, duplicates, review
from .._request import load
from .._routes import RouteTable
from ._htmx import redirect_or_part, render_part
from ._render import page_url
from .home import HOME_LINKS, HomeLink
from .manager_editor_access import require_manager

_WAITING = DeadLetterListQuerySchema()
_PAGE = "tpm/pages/manager/intake.html"
#: The possible duplicates part of the page, which a decision's htmx answer replaces.
_DUPLICATES = "tpm/pages/manager/intake_duplicates.html"


def intake() -> Response:
    """``GET /manager/intake``: the waiting dead letters and the possible duplicates."""
    return _page({})


def replay(dead_letter_id: int) -> Response:
    """``POST /manager/intake/dead-letters/<id>/replay``: run a dead letter through its
    source's mapping again; if it still does not fit, say why beside it (its status)."""
    actor = require_manager()
    try:
        dead_letters.replay_dead_letter(actor, dead_letter_id)
    except TPMError as failed:
        if failed.status not in (400, 409, 422):
            raise
        problems = [translate_message(failed.message)] + [
            f"{path}: {translate_message(text)}"
            for path, texts in failed.fields.items()
            for text in texts
        ]
        return _page({dead_letter_id: problems}, status=failed.status)
    return redirect(page_url("manager_intake", replayed=dead_letter_id), 303)


def resolve(intake_record_id: int) -> Response:
    """``POST /manager/intake/duplicates/<id>/resolution``: a different person, or the same
    as one of the flagged clients (``choice``: ``distinct`` or that client's id); a refusal
    is shown beside the referral (its status), nothing changed. With htmx, only the list of
    possible duplicates comes back."""
    actor = require_manager()
    choice = request.form.get("choice", "")
    same_as = int(choice) if choice.isdigit() else None
    decision = "same" if same_as is not None else choice
    try:
        duplicates.resolve_possible_duplicate(
            actor,
            intake_record_id,
            decision,
            same_as,
            another_open_reason=request.form.get("another_open_reason", "").strip() or None,
        )
    except TPMError as failed:
        if failed.status not in (409, 422):
            raise
        problems = [failed.message] + [
            text for texts in failed.fields.values() for text in texts if text != failed.message
        ]
        return render_part(
            _PAGE,
            _DUPLICATES,
            status=failed.status,
            **_duplicates(actor),
            duplicate_problems={intake_record_id: problems},
        )
    return redirect_or_part(
        page_url("manager_intake", resolved=intake_record_id),
        _DUPLICATES,
        **_duplicates(actor),
        duplicate_problems={},
        resolved=intake_record_id,
    )


def _duplicates(actor: Actor) -> dict[str, Any]:
    return {"duplicates": review.list_possible_duplicates(actor)}


def _page(problems: dict[int, list[str]], *, status: int = 200) -> Response:
    actor = require_manager()
    waiting = dead_letters.list_dead_letters(
        actor, load(_WAITING, {"status": "waiting", "sort": "-received_at"})
    )
    replayed = request.args.get("replayed", "")
    resolved = request.args.get("resolved", "")
    return render_part(
        _PAGE,
        _PAGE,
        status=status,
        letters=waiting.items,
        total=waiting.total,
        **_duplicates(actor),
        timezones=review.source_timezones(actor),
        problems=problems,
        duplicate_problems={},
        replayed=int(replayed) if replayed.isdigit() else None,
        resolved=int(resolved) if resolved.isdigit() else None,
    )


def register(routes: RouteTable) -> None:
    """Add the intake review pages to ``routes``."""
    routes.add_url_rule("/manager/intake", "manager_intake", intake, methods=["GET"])
    routes.add_url_rule(
        "/manager/intake/dead-letters/<int:dead_letter_id>/replay",
        "manager_replay_dead_letter",
        replay,
        methods=["POST"],
    )
    routes.add_url_rule(
        "/manager/intake/duplicates/<int:intake_record_id>/resolution",
        "manager_resolve_duplicate",
        resolve,
        methods=["POST"],
    )
    HOME_LINKS.append(HomeLink(PROGRAM_MANAGER, "manager_intake", lazy_gettext("Intake review")))
