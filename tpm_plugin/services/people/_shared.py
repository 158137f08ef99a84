"""What the people services share: who may manage, what an actor can reach, one page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from ...access import PARTNER, PROGRAM_MANAGER, SUPERVISOR, Actor
from ...errors import NotFound
from ...models import Base, Partnership
from .._reading import Page, detach, paginate
from .._unit import unit_of_work
from ..access import (
    forbid,
    partnership_scope,
    record_denied,
    record_reads,
    require_some_role,
    role_reaching,
)


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
            role = reading_role(unit.session, actor, rows)
            record_reads(actor, audit_type, [row.id for row in rows], "list", role=role)
        detach(unit.session, rows)
    return Page(rows, query["page"], query["page_size"], total)


def reading_role(session: Session, actor: Actor, clients: list[Any]) -> str | None:
    """The role reads of ``clients`` (rows the client read scope reached) are audited with,
    by :data:`..access.REACH_PRECEDENCE`: manager of the program of one of them, else the
    way their partnerships reached them (a supervisor covering an absence reads as
    supervisor, even when they manage another program; one who is also the partner of a
    client's partnership reads that client as its partner)."""
    if not clients:
        return actor.primary_role
    if any(client.program_id in actor.managed_program_ids for client in clients):
        return PROGRAM_MANAGER
    if not (actor.supervisor_ids and actor.partner_ids):
        # One way in left: supervising and covering are both recorded as supervisor.
        return next((role for role in (SUPERVISOR, PARTNER) if role in actor.roles), None)
    partnerships = session.execute(
        select(Partnership.program_id, Partnership.supervisor_id, Partnership.partner_id).where(
            Partnership.client_id.in_(sorted({client.id for client in clients})),
            partnership_scope(actor, reading=True),
        )
    ).mappings()
    return role_reaching(actor, partnerships, actor.primary_role)
