"""A program manager's intake review: deliveries that could not be opened (dead letters),
with a replay for each, and referrals flagged as possible duplicates.

As ``/intake/dead-letters``: :mod:`tpm_plugin.services.intake.dead_letters` lists (reads
audited) and replays; a replay that still does not fit is shown beside its dead letter with
what is wrong (422), and nothing is opened.
"""

from __future__ import annotations

from flask import redirect, request
from werkzeug.wrappers import Response

from ...access import PROGRAM_MANAGER
from ...errors import TPMError
from ...i18n import lazy_gettext
from ...i18n_messages import translate_message
from ...schemas.intake import DeadLetterListQuerySchema
from ...services.intake import dead_letters, review
from .._request import load
from .._routes import RouteTable
from ._render import page_url, render_page
from .home import HOME_LINKS, HomeLink
from .manager_editor_access import require_manager

_WAITING = DeadLetterListQuerySchema()


def intake() -> tuple[str, int]:
    """``GET /manager/intake``: the waiting dead letters and the possible duplicates."""
    return _page({})


def replay(dead_letter_id: int) -> Response | tuple[str, int]:
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


def _page(problems: dict[int, list[str]], *, status: int = 200) -> tuple[str, int]:
    actor = require_manager()
    waiting = dead_letters.list_dead_letters(
        actor, load(_WAITING, {"status": "waiting", "sort": "-received_at"})
    )
    replayed = request.args.get("replayed", "")
    return render_page(
        "tpm/pages/manager/intake.html",
        status=status,
        letters=waiting.items,
        total=waiting.total,
        duplicates=review.list_possible_duplicates(actor),
        timezones=review.source_timezones(actor),
        problems=problems,
        replayed=int(replayed) if replayed.isdigit() else None,
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
    HOME_LINKS.append(HomeLink(PROGRAM_MANAGER, "manager_intake", lazy_gettext("Intake review")))
