"""What a supervisor covering an absence may read: the partnerships whose blocks they took
(``tpm_cover_grants``, made by the placement) for exactly the absence, and the supervision
sessions of those partnerships. Grants end by themselves: each clause compares with now.

A covered clause sits in an OR beside the actor's own reach. There PostgreSQL cannot use an
index for ``id IN (subquery)`` and scans every partnership, so it is written
``id = ANY(ARRAY(subquery))`` there (:class:`AmongIds`): the grants are read once, and the
OR becomes a union of index scans.

Only reads use these clauses (``reading=True`` in :func:`.access.partnership_scope` and
:func:`.supervision.session_scope`); every change stays with the partnership's own people.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Select, bindparam, exists, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from ..models import CoverGrant, Partnership, SupervisionSession, supervision_discussed, utcnow


class AmongIds(ColumnElement[bool]):
    """``column IN (ids)``, ``ids`` a one-column SELECT; on PostgreSQL written
    ``column = ANY(ARRAY(ids))``, which an index serves inside an OR."""

    type = Boolean()
    inherit_cache = True
    # A comparison already: SQLite needs no "= 1" after it.
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], ids: Select) -> None:
        self.column = column
        self.ids = ids

    @property
    def _from_objects(self) -> list[Any]:
        # The column's table, so a statement holding only this clause selects FROM it.
        return self.column._from_objects


@compiles(AmongIds)
def _among_ids(element: AmongIds, compiler: Any, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(AmongIds, "postgresql")
def _among_ids_postgresql(element: AmongIds, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids.scalar_subquery(), **kw)
    return f"{column} = ANY(ARRAY{ids})"


def covered_partnerships(supervisor_ids: Collection[int]) -> ColumnElement[bool]:
    """The partnerships any of ``supervisor_ids`` covers right now."""
    now = utcnow()
    return AmongIds(
        Partnership.id,
        select(CoverGrant.partnership_id).where(
            CoverGrant.cover_supervisor_id.in_(sorted(supervisor_ids)),
            CoverGrant.starts_at <= now,
            CoverGrant.ends_at > now,
        ),
    )


def bound_covered_ids() -> Select:
    """The ids of the partnerships covered at ``:scope_now`` by any of the supervisors in
    ``:scope_supervisors`` (expanding): :func:`covered_partnerships` for a statement built
    once with its values bound at execution."""
    now = bindparam("scope_now", type_=CoverGrant.starts_at.type)
    return select(CoverGrant.partnership_id).where(
        CoverGrant.cover_supervisor_id.in_(bindparam("scope_supervisors", expanding=True)),
        CoverGrant.starts_at <= now,
        CoverGrant.ends_at > now,
    )


def covered_sessions(supervisor_ids: Collection[int]) -> ColumnElement[bool]:
    """The supervision sessions of the partnerships any of ``supervisor_ids`` covers right
    now: those that discussed one, and the absent supervisor's sessions with its partner."""
    covered = covered_partnerships(supervisor_ids)
    return or_(
        SupervisionSession.id.in_(
            select(supervision_discussed.c.session_id)
            .join(Partnership, Partnership.id == supervision_discussed.c.partnership_id)
            .where(covered)
        ),
        exists().where(
            covered,
            Partnership.supervisor_id == SupervisionSession.supervisor_id,
            Partnership.partner_id == SupervisionSession.partner_id,
        ),
    )
