"""Who the manager's editor, intake and people pages are for."""

from __future__ import annotations

from ...access import Actor
from ...errors import NotFound
from ._render import page_actor


def require_manager() -> Actor:
    """The viewer, who must manage a program; to anyone else the page does not exist (404,
    as the API answers for another program's records)."""
    actor = page_actor()
    if not actor.managed_program_ids:
        raise NotFound("This page is for program managers.")
    return actor
