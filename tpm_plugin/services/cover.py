"""What a supervisor covering an absence may read: the partnerships whose blocks they took
(``tpm_cover_grants``, made by the placement) for exactly the absence, and the supervision
sessions of those partnerships. Grants end by themselves: each clause compares with now.

Only reads use these clauses (``reading=True`` in :func:`.access.partnership_scope` and
:func:`.supervision.session_scope`); every change stays with the partnership's own people.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Select, bindparam, exists, or_, select

from ..models import CoverGrant, Partnership, SupervisionSession, supervision_discussed, utcnow


def covered_partnerships(supervisor_ids: Collection[int]) -> ColumnElement[bool]:
    """The partnerships any of ``supervisor_ids`` covers right now."""
    now = utcnow()
    return Partnership.id.in_(
        select(CoverGrant.partnership_id).where(
            CoverGrant.cover_supervisor_id.in_(sorted(supervisor_ids)),
            CoverGrant.starts_at <= now,
            CoverGrant.ends_at > now,
        )
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
