"""Object-level access to care records, and the access audit trail.

A program manager reaches everything in the programs they manage; a supervisor, the
partnerships they supervise; a partner, their own partnerships. Anything outside an actor's
scope answers 404, so its existence does not leak. Every read and change of a care record,
allowed or denied, leaves a row in ``tpm_access_audit`` (ids only, never names or notes).
"""

from __future__ import annotations

import json
from functools import cache
from typing import NoReturn

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Insert,
    Integer,
    String,
    bindparam,
    cast,
    false,
    func,
    insert,
    or_,
    select,
)

from ..access import Actor
from ..errors import Forbidden, NotFound, Unauthenticated
from ..models import AccessAudit, Partnership, utcnow
from ._unit import session

ALLOWED = "allowed"
DENIED = "denied"


def require_actor(actor: Actor | None) -> Actor:
    """The actor, or 401 when nobody is logged in.

    Raises:
        Unauthenticated: no actor.
    """
    if actor is None:
        raise Unauthenticated("Log in to use the partnership API.")
    return actor


def partnership_scope(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause selecting the partnerships ``actor`` may see."""
    clauses = []
    if actor.managed_program_ids:
        clauses.append(Partnership.program_id.in_(sorted(actor.managed_program_ids)))
    if actor.supervisor_id is not None:
        clauses.append(Partnership.supervisor_id == actor.supervisor_id)
    if actor.partner_id is not None:
        clauses.append(Partnership.partner_id == actor.partner_id)
    return or_(*clauses) if clauses else false()


def record_access(
    actor: Actor | None, object_type: str, object_id: object, action: str, outcome: str
) -> None:
    """Add an access-audit row to the current transaction."""
    session().add(access_row(actor, object_type, object_id, action, outcome))


def access_row(
    actor: Actor | None, object_type: str, object_id: object, action: str, outcome: str
) -> AccessAudit:
    """The access-audit row :func:`record_access` adds, for a caller that writes it itself."""
    return AccessAudit(
        actor_id=actor.user_id if actor else None,
        actor_role=actor.primary_role if actor else None,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        action=action,
        outcome=outcome,
    )


def record_denied(actor: Actor | None, object_type: str, object_id: object, action: str) -> None:
    """Record a denied attempt in a transaction of its own, so it survives the rollback of
    the request that was refused."""
    current = session()
    current.rollback()
    record_access(actor, object_type, object_id, action, DENIED)
    current.commit()


def partnership_for(
    actor: Actor, partnership_id: int, action: str, *, lock: bool = False
) -> Partnership:
    """Load a partnership the actor may reach, optionally locking its row.

    Raises:
        NotFound: no such partnership, or it is outside the actor's scope (the attempt is
            audited as denied).
    """
    query = select(Partnership).where(Partnership.id == partnership_id, partnership_scope(actor))
    if lock:
        query = query.with_for_update()
    partnership = session().scalars(query).first()
    if partnership is None:
        record_denied(actor, "partnership", partnership_id, action)
        raise NotFound(f"No partnership {partnership_id} that you can reach.")
    return partnership


def record_reads(actor: Actor, object_type: str, object_ids: list[int], action: str) -> None:
    """Audit that ``actor`` read each of ``object_ids``: one row per object, written by a
    single ``INSERT … SELECT`` over the id list, so a list costs one statement whatever its
    length (an executemany of one row per object costs ~4x as much on PostgreSQL)."""
    if not object_ids:
        return
    current = session()
    dialect = current.get_bind().dialect.name
    current.connection().execute(
        _audit_reads_statement(dialect),
        {
            "actor_id": actor.user_id,
            "actor_role": actor.primary_role,
            "object_type": object_type,
            "action": action,
            "outcome": ALLOWED,
            "occurred_at": utcnow(),
            "object_ids": object_ids if dialect == "postgresql" else json.dumps(object_ids),
        },
    )


@cache
def _audit_reads_statement(dialect: str) -> Insert:
    # Built once per dialect: lists run it on every request, and building costs more than
    # running it. The ids arrive as one parameter: an array on PostgreSQL, JSON elsewhere.
    if dialect == "postgresql":
        ids = func.unnest(bindparam("object_ids", type_=ARRAY(Integer))).table_valued("value")
        ids = ids.render_derived(name="ids")
    else:
        ids = func.json_each(bindparam("object_ids", type_=String)).table_valued("value")
    names = ["actor_id", "actor_role", "object_type", "action", "outcome", "occurred_at"]
    columns = AccessAudit.__table__.c
    rows = select(
        *(bindparam(name, type_=columns[name].type) for name in names),
        cast(ids.c.value, String),
    )
    return insert(AccessAudit.__table__).from_select([*names, "object_id"], rows)


def forbid(
    actor: Actor | None, object_type: str, object_id: object, action: str, message: str
) -> NoReturn:
    """Audit a refused attempt, then refuse it with 403.

    Raises:
        Forbidden: always, with ``message``.
    """
    record_denied(actor, object_type, object_id, action)
    raise Forbidden(message)


def require_some_role(actor: Actor | None, object_type: str, action: str) -> Actor:
    """The actor, when they hold at least one plugin role.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor holds no role (audited as denied).
    """
    actor = require_actor(actor)
    if not actor.roles:
        forbid(
            actor,
            object_type,
            None,
            action,
            "Your account has no role in any partnership program; ask a program manager.",
        )
    return actor
