"""The partnership list's statements, built once per kind of list, and the access-audit
row of reading a page, written by the page's own statement.

Building a statement (and its cache key) costs more than running it, so a list is built
once per shape (which kinds of reach the actor has, which filters, which order) with
every value bound at execution.

A list request's transaction reads one page and writes one audit row. On PostgreSQL the
row is inserted by a data-modifying CTE of the page's statement, worked out from the page
there: the ids answered (in page order), the role by which the actor reached them (the
first way in :data:`.access.REACH_PRECEDENCE` that reached any of them), and their program
when they share one. The unit's audit entry, worked out the same
way in Python from the rows, is then marked written (it is what a refusal after the
statement would write instead). Elsewhere the row is written with the commit as usual.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    bindparam,
    case,
    distinct,
    false,
    func,
    insert,
    literal,
    literal_column,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from ..access import PARTNER, PROGRAM_MANAGER, SUPERVISOR, Actor
from ..models import AccessAudit, Partnership, utcnow
from ._batch import writes_in_one_round_trip
from ._reading import order_by, page_statement, run_page
from .access import ALLOWED, COVERING, REACH_PRECEDENCE, recorded_role
from .audit_rows import audit_action, behind_commit, commits_behind
from .cover import AmongIds, bound_covered_ids

#: The filters a partnership list takes besides ``overdue`` (worked out per request).
LIST_FILTERS = ("program_id", "stage", "partner_id", "supervisor_id")


def list_page(session: Session, actor: Actor, query: dict[str, Any]) -> tuple[list[Any], int, bool]:
    """One page of the partnerships ``actor`` may see, filtered by :data:`LIST_FILTERS` and
    sorted as ``query`` says, and the total; plus whether the page's statement also wrote
    the request's access-audit row (PostgreSQL), with the values :func:`audit_of` gives.
    """
    filters = tuple(name for name in LIST_FILTERS if query.get(name) is not None)
    shape = scope_shape(actor)
    statement, counted = _list_statement(shape, filters, query["sort"])
    parameters: dict[str, Any] = {f"filter_{name}": query[name] for name in filters}
    parameters.update(scope_parameters(actor))
    folded = writes_in_one_round_trip(session)
    if folded:
        counted = _audited(counted, shape, commits_behind(session))
        parameters.update(_audit_parameters(actor, query.get("program_id")))
    rows, total = run_page(
        session, statement, counted, parameters, query["page"], query["page_size"], True
    )
    return rows, total, folded


ScopeShape = tuple[bool, bool, bool]


def scope_shape(actor: Actor) -> ScopeShape:
    """Which of the actor's kinds of reach (managed programs, supervised, partnered) are not
    empty: what a :func:`bound_partnership_scope` statement is built for."""
    return bool(actor.managed_program_ids), bool(actor.supervisor_ids), bool(actor.partner_ids)


def bound_partnership_scope(shape: ScopeShape, *, reading: bool = False) -> ColumnElement[bool]:
    """:func:`partnership_scope` with the ids (and, ``reading``, the moment a cover's grant
    must span) as parameters, for a statement built once per ``shape`` and run with
    :func:`scope_parameters`."""
    managing, supervising, partnering = shape
    clauses = []
    if reading and supervising:
        clauses.append(AmongIds(Partnership.id, bound_covered_ids()))
    if managing:
        clauses.append(Partnership.program_id.in_(bindparam("scope_programs", expanding=True)))
    if supervising:
        clauses.append(
            Partnership.supervisor_id.in_(bindparam("scope_supervisors", expanding=True))
        )
    if partnering:
        clauses.append(Partnership.partner_id.in_(bindparam("scope_partners", expanding=True)))
    return or_(*clauses) if clauses else false()


def scope_parameters(actor: Actor) -> dict[str, Any]:
    """The parameters of a :func:`bound_partnership_scope` statement for ``actor``, now."""
    return {
        "scope_programs": sorted(actor.managed_program_ids),
        "scope_supervisors": sorted(actor.supervisor_ids),
        "scope_partners": sorted(actor.partner_ids),
        "scope_now": utcnow(),
    }


@lru_cache(maxsize=256)
def _list_statement(
    shape: ScopeShape, filters: tuple[str, ...], sort: str
) -> tuple[Select, Select]:
    # A supervisor covering an absence lists the covered partnerships while the grant runs.
    scope = bound_partnership_scope(shape, reading=True)
    statement = select(*Partnership.__table__.columns).where(scope)
    for name in filters:
        statement = statement.where(getattr(Partnership, name) == bindparam(f"filter_{name}"))
    key = sort.removeprefix("-")
    statement = order_by(statement, sort, {key: getattr(Partnership, key)}, Partnership.id)
    return statement, page_statement(statement)


def _audit_parameters(actor: Actor, program_id: int | None) -> dict[str, Any]:
    # Who lists, and the program to name when the page comes back empty (the one the list
    # was filtered to, if any).
    return {
        "audit_actor_id": actor.user_id,
        "audit_primary_role": actor.primary_role,
        "audit_object_type": "partnership",
        "audit_action": audit_action("list"),
        "audit_outcome": ALLOWED,
        "audit_occurred_at": utcnow(),
        "audit_program_id": program_id,
    }


@lru_cache(maxsize=256)
def _audited(statement: Select, shape: ScopeShape, behind: bool) -> Select:
    page = statement.cte("page")
    adapt = ClauseAdapter(page).traverse
    order = [adapt(clause) for clause in statement._order_by_clauses]
    table = AccessAudit.__table__
    managing, supervising, partnering = shape
    # How each listed partnership may have been reached; the row records the first way (in
    # REACH_PRECEDENCE, as role_reaching does in Python) that reached any of them.
    reached: dict[str, ColumnElement[bool]] = {}
    if managing:
        reached[PROGRAM_MANAGER] = page.c.program_id.in_(
            bindparam("scope_programs", expanding=True)
        )
    if supervising:
        reached[SUPERVISOR] = page.c.supervisor_id.in_(
            bindparam("scope_supervisors", expanding=True)
        )
        reached[COVERING] = page.c.id.in_(bound_covered_ids())
    if partnering:
        reached[PARTNER] = page.c.partner_id.in_(bindparam("scope_partners", expanding=True))
    roles = [
        (func.bool_or(reached[reach]), literal(recorded_role(reach)))
        for reach in REACH_PRECEDENCE
        if reach in reached
    ]
    primary = bindparam("audit_primary_role", type_=String)
    role = case(*roles, else_=primary) if roles else primary
    program = case(
        (func.count(distinct(page.c.program_id)) == 1, func.min(page.c.program_id)),
        (func.count() == 0, bindparam("audit_program_id", type_=Integer)),
        else_=null(),
    )
    ids = func.coalesce(
        func.json_agg(aggregate_order_by(page.c.id, *order)), literal_column("'[]'::json")
    )
    row = select(
        bindparam("audit_actor_id", type_=table.c.actor_id.type),
        role,
        bindparam("audit_object_type", type_=table.c.object_type.type),
        null(),
        bindparam("audit_action", type_=table.c.action.type),
        bindparam("audit_outcome", type_=table.c.outcome.type),
        bindparam("audit_occurred_at", type_=table.c.occurred_at.type),
        program,
        null(),
        ids,
    ).select_from(page)
    if behind:
        row = row.join(behind_commit(), true())
    names = [
        "actor_id",
        "actor_role",
        "object_type",
        "object_id",
        "action",
        "outcome",
        "occurred_at",
        "program_id",
        "partnership_id",
        "object_ids",
    ]
    audit = insert(table).from_select(names, row).cte("access_audit_row")
    return select(*page.c).add_cte(audit).order_by(*order)
