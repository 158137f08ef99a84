"""What the people services share: who may manage, what an actor can reach, one page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from ...access import PARTNER, PROGRAM_MANAGER, SUPERVISOR, Actor
from ...errors import NotFound
from ...models import Base
from .._reading import Page, detach, paginate
from .._unit import unit_of_work
from ..access import forbid, record_denied, record_reads, require_some_role


def require_manager(actor: Actor | None, object_type: str, object_id: Any, action: str) -> Actor:
    """The actor, when they manage some program; otherwise 401/403, audited as ``action``
    on ``object_type`` ``object_id``."""
    actor = require_some_role(actor, object_type, action)
    if not actor.managed_program_ids:
        forbid(
            actor,
            object_type,
            object_id,
            action,
            "Only program managers can do this; ask a manager of your program.",
        )
    return actor


def require_manages(
    actor: Actor, program_id: int, object_type: str, object_id: Any, action: str
) -> None:
    """403, audited, unless the actor manages program ``program_id``."""
    if program_id not in actor.managed_program_ids:
        forbid(
            actor,
            object_type,
            object_id,
            action,
            f"Only the program managers of program {program_id} can change this.",
        )


def visible(
    session: Session,
    actor: Actor,
    model: type[Base],
    scope: ColumnElement[bool],
    object_id: int,
    object_type: str,
) -> Any:
    """The ``model`` row ``object_id`` within ``scope``; 404, audited as denied, otherwise."""
    row = session.scalars(select(model).where(model.id == object_id, scope)).first()
    if row is None:
        record_denied(actor, object_type, object_id, "read")
        raise NotFound(f"No {object_type} {object_id} that you can reach.")
    return row


def page(
    statement: Select,
    query: dict[str, Any],
    audit_type: str | None = None,
    actor: Actor | None = None,
) -> Page[Any]:
    """One page of ``statement``'s rows; with ``audit_type``, each row's read is audited."""
    with unit_of_work() as unit:
        rows, total = paginate(unit.session, statement, query["page"], query["page_size"])
        if audit_type is not None and actor is not None:
            role = reading_role(actor, {row.program_id for row in rows})
            record_reads(actor, audit_type, [row.id for row in rows], "list", role=role)
        detach(unit.session, rows)
    return Page(rows, query["page"], query["page_size"], total)


def reading_role(actor: Actor, program_ids: set[int]) -> str | None:
    """The role people of ``program_ids`` are read with: manager of one of them, else the
    senior role held elsewhere (a supervisor covering an absence reads as supervisor, even
    when they manage another program)."""
    if not program_ids:
        return actor.primary_role
    if program_ids & set(actor.managed_program_ids):
        return PROGRAM_MANAGER
    return next((role for role in (SUPERVISOR, PARTNER) if role in actor.roles), None)
