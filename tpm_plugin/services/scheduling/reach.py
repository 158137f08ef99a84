"""Who may reach a supervisor's or a partner's schedule: the person themselves and the
managers of their program. Anyone else gets a 404, audited as denied."""

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
        NotFound: no such supervisor, or the actor is neither them nor a manager of their
            program (audited as denied).
    """
    found = db.execute(
        select(Supervisor.program_id, Program.timezone)
        .join(Program, Program.id == Supervisor.program_id)
        .where(Supervisor.id == supervisor_id)
    ).first()
    if found is None or not (
        actor.supervisor_id == supervisor_id or found.program_id in actor.managed_program_ids
    ):
        record_denied(actor, "supervisor", supervisor_id, action)
        raise NotFound(f"No supervisor {supervisor_id} that you can reach.")
    return found.program_id, found.timezone


def partner_in_reach(db: Any, actor: Actor, partner_id: int, action: str) -> tuple[int, str]:
    """The partner's program id and timezone, when ``actor`` may reach their schedule.

    Raises:
        NotFound: no such partner, or the actor is neither them nor a manager of their
            program (audited as denied).
    """
    found = db.execute(
        select(Partner.program_id, Program.timezone)
        .join(Program, Program.id == Partner.program_id)
        .where(Partner.id == partner_id)
    ).first()
    if found is None or not (
        actor.partner_id == partner_id or found.program_id in actor.managed_program_ids
    ):
        record_denied(actor, "partner", partner_id, action)
        raise NotFound(f"No partner {partner_id} that you can reach.")
    return found.program_id, found.timezone
