"""Who may read and change workflows.

Anyone with a plugin role reads them; only program managers change them. The operator at
the ``flask tpm workflow`` command, :data:`COMMAND_LINE`, is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...access import Actor
from ..access import forbid, require_some_role


@dataclass(frozen=True)
class CommandLine:
    """The operator running ``flask tpm workflow …``: trusted, audited as ``actor_id``."""

    actor_id: str = "command-line"


COMMAND_LINE = CommandLine()

AnyActor = Actor | CommandLine


def actor_id(actor: AnyActor) -> str:
    """The id recorded for ``actor`` on drafts, versions and migrations."""
    return actor.actor_id if isinstance(actor, CommandLine) else actor.user_id


def may_read(actor: AnyActor | None) -> None:
    """Let anyone with a plugin role, or the command line, read workflows.

    Raises:
        Unauthenticated / Forbidden: nobody, or an account without a plugin role.
    """
    if not isinstance(actor, CommandLine):
        require_some_role(actor, "workflow", "read")


def may_manage(actor: AnyActor | None, action: str) -> None:
    """Let a program manager, or the command line, take ``action`` on workflows.

    Raises:
        Unauthenticated / Forbidden: nobody, or an account that manages no program.
    """
    if isinstance(actor, CommandLine):
        return
    actor = require_some_role(actor, "workflow", action)
    if not actor.managed_program_ids:
        forbid(actor, "workflow", None, action, "Only a program manager may change workflows.")
