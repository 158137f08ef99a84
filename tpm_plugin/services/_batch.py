"""New rows written in one round trip on PostgreSQL.

The ORM's flush sends one INSERT per table and waits for each; on a hot path (an intake
delivery writes six tables) the waiting is most of the cost. When the ids are taken from
the tables' sequences first (:func:`next_ids`, in a statement the caller needs anyway), the
rows no longer depend on each other's answers and :func:`insert_together` sends them as
one statement of data-modifying CTEs. It is one statement, so it succeeds or fails whole:
a unique violation in any row raises ``IntegrityError`` and the caller's transaction rolls
back as it would after a failed flush. Foreign keys are checked at the end of the statement,
when every row is there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import (
    CTE,
    JSON,
    ColumnElement,
    Insert,
    Table,
    bindparam,
    func,
    inspect,
    literal_column,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ..models import Base, utcnow


def writes_in_one_round_trip(bind: Session | Engine) -> bool:
    """Whether the session's (or engine's) database takes several INSERTs in one statement
    (PostgreSQL)."""
    engine = bind if isinstance(bind, Engine) else bind.get_bind()
    return engine.dialect.name == "postgresql"


def next_id(model: type[Base]) -> ColumnElement[int]:
    """The next value of ``model``'s id sequence, to select alongside other columns."""
    table = model.__table__
    # The table's name is written into the statement, not bound: it never changes, and each
    # parameter costs every execution its conversion (in SQLAlchemy, psycopg and the server).
    name = literal_column(f"'{table.fullname}'")
    return func.nextval(func.pg_get_serial_sequence(name, literal_column("'id'")))


#: A row to insert: a new ORM object, or its model and column values by attribute name
#: (which spares building an instrumented object only to read it back).
Row = Base | tuple[type[Base], dict[str, Any]]


def insert_together(
    session: Session | Connection,
    rows: Sequence[Row],
    also: tuple[CTE, dict[str, Any]] | None = None,
) -> None:
    """INSERT ``rows`` (new ORM objects, or models with values, whose ids are set) in one
    statement, in the session's (or connection's) transaction. Objects are not added to
    the session. ``also``: one more data-modifying CTE built once (so the statement stays
    cached) and its parameters, whose names must not look like ``p<n>``.

    Columns left unset take their Python defaults, as a flush would give them, except that
    the clock (:func:`~tpm_plugin.models.utcnow`) is read once for the whole statement: its
    rows are written at one moment, and one time takes one parameter. Columns set to
    ``None`` are written as ``None`` (as a flush writes them).

    Raises:
        IntegrityError: a row breaks a constraint; nothing of the statement is written.
    """
    shape = []
    parameters: dict[str, Any] = {}
    # Rows repeat values (ids, the time, the actor): one parameter per distinct value of a
    # column type keeps the statement under psycopg's 50 parameters, above which it converts
    # the query text again on every call. JSON documents (unhashable, rarely repeated) get
    # one each.
    names: dict[tuple[Any, ...], str] = {}
    now = None
    for row in rows:
        model, values = row if isinstance(row, tuple) else (type(row), row.__dict__)
        columns = []
        for key, attribute, default, kind, own in _plan(model):
            if attribute in values:
                value = values[attribute]
            elif default is _CLOCK:
                if now is None:
                    now = utcnow()
                value = now
            elif default is not None:
                value = default()
            else:
                continue
            name = marker = None
            if not own:
                marker = (kind, value.__class__, value)
                try:
                    name = names.get(marker)
                except TypeError:  # unhashable (a list or document in a column not JSON)
                    marker = None
            if name is None:
                name = f"p{len(parameters)}"
                parameters[name] = value
                if marker is not None:
                    names[marker] = name
            columns.append((key, name))
        shape.append((model.__table__, tuple(columns)))
    extra = None
    if also is not None:
        extra, more = also
        parameters.update(more)
    session.execute(_statement(tuple(shape), extra), parameters)


@lru_cache(maxsize=64)
def _statement(
    shape: tuple[tuple[Table, tuple[tuple[str, str], ...]], ...], extra: CTE | None = None
) -> Insert:
    # Built once per shape (which tables, which columns, which parameter each takes) with
    # bound parameters, so each call pays neither for building the statement nor for its
    # cache key.
    *others, last = (
        table.insert().values(
            {key: bindparam(name, type_=table.c[key].type) for key, name in columns}
        )
        for table, columns in shape
    )
    ctes = [insert.cte(f"tpm_row_{n}") for n, insert in enumerate(others)]
    return last.add_cte(*ctes, *([extra] if extra is not None else []))


#: In a :func:`_plan`, the default of a column filled by :func:`~tpm_plugin.models.utcnow`.
_CLOCK: Any = object()


@lru_cache(maxsize=64)
def _plan(model: type[Base]) -> tuple[tuple[str, str, Callable[[], Any] | None, type, bool], ...]:
    # Per model, once: each column's key, the attribute that holds it, how a flush would
    # fill it when unset (its scalar or callable Python default, if any), the class of its
    # type, and whether its values take a parameter of their own (JSON documents).
    mapper = inspect(model)
    plan = []
    for column in mapper.local_table.columns:
        default = column.default
        if default is not None and default.is_scalar:
            fill = partial(_same, default.arg)
        elif default is not None and default.is_callable:
            clock = getattr(default.arg, "__wrapped__", None) is utcnow
            fill = _CLOCK if clock else partial(default.arg, None)
        else:
            fill = None
        kind = type(column.type)
        own = issubclass(kind, JSON)
        plan.append((column.key, mapper.get_property_by_column(column).key, fill, kind, own))
    return tuple(plan)


def _same(value: Any) -> Any:
    return value
