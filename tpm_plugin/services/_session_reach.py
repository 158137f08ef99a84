"""The role an access-audit row about supervision sessions records: how the actor reached
them (a manager of the supervisor's program, the supervisor, or a supervisor covering an
absence), by :data:`.access.REACH_PRECEDENCE`, as a partnership's reads are audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import PROGRAM_MANAGER, SUPERVISOR, Actor
from ..models import SupervisionSession, Supervisor
from .access import role_reaching, touch

OBJECT_TYPE = "supervision_session"


def touch_session(session: Session, actor: Actor, row: SupervisionSession, action: str) -> None:
    """The unit's audit row is about this session, with the role it was reached with: its
    supervisor, a manager of the supervisor's program, or a cover (recorded as supervisor)."""
    [reached] = _reached(session, [row])
    role = role_reaching(actor, [reached])
    touch(actor, OBJECT_TYPE, row.id, action, role=role, program_id=reached["program_id"])


def list_role(session: Session, actor: Actor, rows: list[SupervisionSession]) -> str | None:
    """The role a list of ``rows`` (sessions the reading scope reached) is audited with."""
    if not rows:
        return actor.primary_role
    # Without a second way in, no statement is needed to tell which one reached them.
    if not actor.supervisor_ids:
        return PROGRAM_MANAGER
    if not actor.managed_program_ids:
        return SUPERVISOR
    return role_reaching(actor, _reached(session, rows), actor.primary_role)


def _reached(session: Session, rows: list[SupervisionSession]) -> list[dict[str, Any]]:
    # What says how a session was reached: its supervisor's program and its supervisor.
    supervisor_ids = sorted({row.supervisor_id for row in rows})
    programs = dict(
        session.execute(
            select(Supervisor.id, Supervisor.program_id).where(Supervisor.id.in_(supervisor_ids))
        ).all()
    )
    return [
        {"program_id": programs.get(row.supervisor_id), "supervisor_id": row.supervisor_id}
        for row in rows
    ]
