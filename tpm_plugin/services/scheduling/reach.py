"""Who may reach a supervisor's or a partner's schedule: the person themselves (through any
of their rows, one per program they supervise or partner in) and the managers of their
program. Anyone else gets a 404, audited as denied."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...access import Actor
from ...errors import NotFound
from ...models import Partner, Program, Supervisor
from ..access import record_denied


def supervisor_in_reach(db: Any, actor: Actor, supervisor_id: int, action: str) -> tuple[int, str]:
    """The supervisor's program id and timezone, when ``actor`` may reach their schedule.

    Raises:
        NotFound: no such supervisor, or the actor is neither them (any of
            ``actor.supervisor_ids``) nor a manager of their program (audited as denied).
    """
    return _in_reach(
        db, actor, Supervisor, actor.supervisor_ids, "supervisor", supervisor_id, action
    )


def partner_in_reach(db: Any, actor: Actor, partner_id: int, action: str) -> tuple[int, str]:
    """The partner's program id and timezone, when ``actor`` may reach their schedule.

    Raises:
        NotFound: no such partner, or the actor is neither them (any of
            ``actor.partner_ids``) nor a manager of their program (audited as denied).
    """
    return _in_reach(db, actor, Partner, actor.partner_ids, "partner", partner_id, action)


def _in_reach(
    db: Any,
    actor: Actor,
    model: Any,
    own_ids: frozenset[int],
    role: str,
    person_id: int,
    action: str,
) -> tuple[int, str]:
    found = db.execute(
        select(model.program_id, Program.timezone)
        .join(Program, Program.id == model.program_id)
        .where(model.id == person_id)
    ).first()
    # Any of the actor's own rows reaches its schedule: a person supervising (or partnering)
    # in two programs has a row in each, not only the first.
    if found is None or not (person_id in own_ids or found.program_id in actor.managed_program_ids):
        record_denied(actor, role, person_id, action)
        raise NotFound(f"No {role} {person_id} that you can reach.")
    return found.program_id, found.timezone
