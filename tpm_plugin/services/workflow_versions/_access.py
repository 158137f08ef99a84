"""Who may read and change workflows.

A workflow is a template (no program: the shipped one, or one the operator imported) or
belongs to one program. Templates are read by anyone with a plugin role and changed only at
the command line. A program's workflow is read by the people of that program and changed
(drafts, versions, migrations) by its program managers; to everyone else it does not exist
(404). The operator at the ``flask tpm workflow`` command, :data:`COMMAND_LINE`, is trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...access import Actor
from ...errors import Forbidden, NotFound
from ...models import Partner, Supervisor, Workflow
from .._unit import session
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


def program_ids_of(actor: Actor) -> set[int]:
    """The programs ``actor`` takes part in: those they manage, partner or supervise in."""
    programs = set(actor.managed_program_ids)
    for model, person_ids in ((Partner, actor.partner_ids), (Supervisor, actor.supervisor_ids)):
        if person_ids:
            programs.update(
                session().scalars(select(model.program_id).where(model.id.in_(person_ids)))
            )
    return programs


def check_may_read(actor: AnyActor, workflow: Workflow) -> None:
    """Let ``actor`` read ``workflow``: a template, or their program's own.

    Raises:
        NotFound: another program's workflow (as if it did not exist).
    """
    if isinstance(actor, CommandLine) or workflow.program_id is None:
        return
    if workflow.program_id not in program_ids_of(actor):
        raise not_found(workflow.key)


def check_may_change(actor: AnyActor, workflow: Workflow) -> None:
    """Let ``actor`` change ``workflow`` (drafts, publishing, migrations): the program
    managers of the program it belongs to, or the command line.

    Raises:
        NotFound: another program's workflow (as if it did not exist).
        Forbidden: a template, which only the command line changes.
    """
    if isinstance(actor, CommandLine):
        return
    if workflow.program_id is None:
        raise Forbidden(
            f"Workflow '{workflow.key}' is a template; programs get their own copy of it. "
            "Change your program's workflow instead (its key is on the program)."
        )
    if workflow.program_id not in actor.managed_program_ids:
        raise not_found(workflow.key)


def not_found(key: str) -> NotFound:
    """The 404 for a workflow that does not exist or is not the actor's to see."""
    return NotFound(f"No workflow with the key '{key}' that you can reach.")
