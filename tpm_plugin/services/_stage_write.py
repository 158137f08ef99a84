"""Writing a fired transition: the stage change, its transition-audit row, its access-audit
row and its outbox rows.

On PostgreSQL all of it is one statement: the UPDATE of the locked row and the other
INSERTs ride as data-modifying CTEs on the transition-audit INSERT, so the transaction
costs the lock, this statement and the commit. Elsewhere (SQLite) the same statements run
one after the other, and the access-audit row is written with the commit. Either way the
statements are built once per shape (with or without each outbox row) and take their
values as parameters, since building and caching a statement costs more than running it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import CTE, Insert, Update, bindparam, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from ..models import AccessAudit, OutboxMessage, Partnership, TransitionAudit
from ._unit import current_unit, session
from .audit_rows import AuditEntry, mark_written
from .outbox import OUTBOX_WRITTEN, outbox_row
from .supervision_placement.requests import replacement_insert, replacement_params, typed

_PARTNERSHIPS = Partnership.__table__
_TRANSITIONS = TransitionAudit.__table__
_OUTBOX = OutboxMessage.__table__
#: The partnership columns a transition sets (``version_id`` is bumped besides).
_STAGE_COLUMNS = ("stage", "held_from_stage", "stage_entered_at", "ended_at")
#: The transition-audit columns taken as parameters (``partnership_id`` comes from the row
#: the UPDATE changed, so no audit row is written when none was).
_AUDIT_COLUMNS = tuple(
    column.name for column in _TRANSITIONS.columns if column.name not in ("id", "partnership_id")
)
_OUTBOX_COLUMNS = ("job_name", "payload", "dedupe_key", "available_at", "attempts", "created_at")


@dataclass(frozen=True)
class StageWrite:
    """What a fired transition writes.

    Attributes:
        partnership: the locked row, as read.
        stage: the stage it moves to.
        held_from_stage: the row's new ``held_from_stage``.
        entered_at: when it entered the stage.
        ended_at: when it ended (a terminal stage), else ``None``.
        audit: who fired which trigger and why: the transition-audit row's ``trigger``,
            ``actor_id``, ``actor_role`` and ``reason`` (the rest comes from the row and
            the change).
        stage_work: the :func:`~.outbox.add_to_outbox` arguments of the stage's scheduled
            work, if it has any.
        replace_week_of: the program whose week is placed again (what the partnership owes
            changed), if any.
    """

    partnership: Partnership
    stage: str
    held_from_stage: str | None
    entered_at: dt.datetime
    ended_at: dt.datetime | None
    audit: dict[str, Any]
    stage_work: dict[str, Any] | None
    replace_week_of: int | None


def write_stage_change(change: StageWrite) -> int:
    """Write ``change`` in the current unit of work; return the transition-audit row's id.

    The partnership object is then given its new values as committed ones: the session
    has nothing left to flush for it.

    Raises:
        StaleDataError: the row's version moved since it was read (the unit of work
            answers 409).
    """
    partnership = change.partnership
    version = partnership.version_id
    values = {
        "stage": change.stage,
        "held_from_stage": change.held_from_stage,
        "stage_entered_at": change.entered_at,
        "ended_at": change.ended_at,
        "version_id": version + 1,
    }
    params: dict[str, Any] = {f"row_{name}": values[name] for name in _STAGE_COLUMNS}
    params.update(row_id=partnership.id, row_version=version, row_next_version=version + 1)
    audit = {
        **change.audit,
        "from_stage": partnership.stage,
        "to_stage": change.stage,
        "workflow_key": partnership.workflow_key,
        "workflow_version": partnership.workflow_version,
        "occurred_at": change.entered_at,
    }
    params.update({f"audit_{name}": audit[name] for name in _AUDIT_COLUMNS})
    if change.stage_work is not None:
        row = outbox_row(**change.stage_work)
        params.update({f"work_{name}": row[name] for name in _OUTBOX_COLUMNS})
    if change.replace_week_of is not None:
        params.update(replacement_params(change.replace_week_of))
    current = session()
    connection = current.connection()
    access = audit_row_params()
    shape = (change.stage_work is not None, change.replace_week_of is not None)
    if access is not None:
        params.update(access)
        audit_id = connection.execute(_folded(*shape), params).scalar()
    else:
        audit_id = _one_by_one(connection, shape, params)
    if audit_id is None:
        raise StaleDataError(f"Partnership {partnership.id} changed version meanwhile.")
    if any(shape):
        current.info[OUTBOX_WRITTEN] = True
    for name, value in values.items():
        set_committed_value(partnership, name, value)
    return audit_id


def audit_row_params() -> dict[str, Any] | None:
    """The current unit's access-audit row as the parameters of :func:`audit_row_cte`, marked
    as written by the caller's statement; ``None`` when the row cannot go that way (no
    row owed yet, or not PostgreSQL: it is then written with the commit as usual). Call it
    once the unit's audit row is final."""
    unit = current_unit()
    entry = unit.audit if unit is not None else None
    if not isinstance(entry, AuditEntry) or session().get_bind().dialect.name != "postgresql":
        return None
    params = {f"access_{name}": value for name, value in entry.values().items()}
    mark_written(entry)
    return params


@cache
def audit_row_cte() -> CTE:
    """The access-audit row as a data-modifying CTE taking :func:`audit_row_params`: built
    once, for a statement that is itself built once."""
    table = AccessAudit.__table__
    names = [column.name for column in table.columns if column.name != "id"]
    values = {name: bindparam(f"access_{name}", type_=table.c[name].type) for name in names}
    return insert(table).values(values).cte("access_audit_row")


def _one_by_one(connection: Any, shape: tuple[bool, bool], params: dict[str, Any]) -> int | None:
    if connection.execute(_stage_update(), params).rowcount != 1:
        return None
    with_work, with_replacement = shape
    if with_work:
        connection.execute(_work_insert(), params)
    if with_replacement:
        connection.execute(replacement_insert(False), params)
    return connection.execute(_audit_insert(), params).scalar()


@cache
def _stage_update() -> Update:
    return (
        update(_PARTNERSHIPS)
        .where(
            _PARTNERSHIPS.c.id == bindparam("row_id"),
            _PARTNERSHIPS.c.version_id == bindparam("row_version"),
        )
        .values(
            {
                **{
                    name: bindparam(f"row_{name}", type_=_PARTNERSHIPS.c[name].type)
                    for name in _STAGE_COLUMNS
                },
                "version_id": bindparam("row_next_version"),
            }
        )
    )


@cache
def _work_insert() -> Insert:
    return insert(_OUTBOX).values(
        {name: bindparam(f"work_{name}", type_=_OUTBOX.c[name].type) for name in _OUTBOX_COLUMNS}
    )


@cache
def _audit_insert() -> Insert:
    return (
        insert(_TRANSITIONS)
        .values(
            {
                "partnership_id": bindparam("row_id"),
                **{name: bindparam(f"audit_{name}") for name in _AUDIT_COLUMNS},
            }
        )
        .returning(_TRANSITIONS.c.id)
    )


@cache
def _folded(with_work: bool, with_replacement: bool) -> Insert:
    """The whole transition as one statement: the transition-audit row is inserted only
    when the UPDATE (a CTE returning the row's id) changed the row."""
    moved = _stage_update().returning(_PARTNERSHIPS.c.id).cte("moved")
    names = ("partnership_id", *_AUDIT_COLUMNS)
    audit = (typed(f"audit_{name}", _TRANSITIONS.c[name], True) for name in _AUDIT_COLUMNS)
    row = select(moved.c.id, *audit)
    statement = (
        insert(_TRANSITIONS)
        .from_select(names, row, include_defaults=False)
        .returning(_TRANSITIONS.c.id)
        .add_cte(audit_row_cte())
    )
    if with_work:
        statement = statement.add_cte(_work_insert().cte("stage_work"))
    if with_replacement:
        statement = statement.add_cte(replacement_insert(True).cte("placement"))
    return statement
