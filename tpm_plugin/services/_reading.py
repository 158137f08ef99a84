"""Helpers the record services share: pages of rows, stable sorting, and rows that outlive
their transaction.

A read is a transaction too (it writes access-audit rows), and committing expires every row
the session holds; reading an expired row again costs one SELECT per row. Services therefore
hand their results back detached (:func:`detach`), with everything the API shows already
loaded, so a list answers in a constant number of statements whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page(Generic[Row]):
    """One page of a list: its items, where it sits, and how many items match in all."""

    items: list[Row]
    page: int
    page_size: int
    total: int


def detach(session: Session, rows: Sequence[Any]) -> None:
    """Flush, then take ``rows`` out of the session so the commit does not expire them."""
    session.flush()
    for row in rows:
        if row in session:
            session.expunge(row)


def order_by(query: Select, sort: str, columns: dict[str, InstrumentedAttribute], id_column):
    """Order ``query`` by the ``sort`` key (``-`` prefix: descending), ties broken by id."""
    key = sort.removeprefix("-")
    column = columns[key]
    ordered = column.desc() if sort.startswith("-") else column.asc()
    tie = id_column.desc() if sort.startswith("-") else id_column.asc()
    return query.order_by(ordered, tie) if column is not id_column else query.order_by(ordered)


def paginate(
    session: Session, query: Select, page: int, page_size: int, *, plain_rows: bool = False
) -> tuple[list, int]:
    """The rows of one page of ``query`` (already filtered and ordered) and the total count:
    ORM objects of the entity it selects, or with ``plain_rows`` its rows as mappings.

    One statement, whatever the page size: the total comes along as an uncorrelated scalar
    subquery, which the database evaluates once (a ``count(*) OVER ()`` column would make
    PostgreSQL read every matching row, not one page). Only a page past the end, which has
    no row to carry the total, costs a second statement.
    """
    return run_page(session, query, page_statement(query), {}, page, page_size, plain_rows)


def page_statement(query: Select) -> Select:
    """``query`` (filtered and ordered) cut to the page that :func:`run_page` names, with the
    total as a column: a statement a hot list builds once and runs with new parameters."""
    total = _count_of(query).scalar_subquery().label("page_total")
    return query.add_columns(total).limit(_PAGE_LIMIT).offset(_PAGE_OFFSET)


def run_page(
    session: Session,
    query: Select,
    statement: Select,
    parameters: dict[str, Any],
    page: int,
    page_size: int,
    plain_rows: bool = False,
) -> tuple[list, int]:
    """Run ``statement`` (``page_statement(query)``) with ``parameters`` for one page; see
    :func:`paginate`, which it serves."""
    parameters = {**parameters, "page_limit": page_size, "page_offset": (page - 1) * page_size}
    # Plain rows need no ORM: run them on the session's connection, skipping its pipeline.
    results = (session.connection() if plain_rows else session).execute(statement, parameters)
    results = results.all()
    if not results:
        return [], 0 if page == 1 else count_rows(session, query, parameters)
    rows = [result._mapping if plain_rows else result[0] for result in results]
    return rows, int(results[0].page_total)


# Rendered into the SQL text at execution: as parameters of a prepared statement,
# PostgreSQL's generic plan cannot know the page is small, and reads every matching row.
_PAGE_LIMIT = bindparam("page_limit", type_=Integer, literal_execute=True)
_PAGE_OFFSET = bindparam("page_offset", type_=Integer, literal_execute=True)


def _count_of(query: Select) -> Select:
    return select(func.count()).select_from(query.order_by(None).subquery())


def count_rows(session: Session, query: Select, parameters: dict[str, Any] | None = None) -> int:
    """How many rows ``query`` selects (with ``parameters``), in one statement."""
    total = session.scalar(_count_of(query), parameters)
    return int(total or 0)
