"""The partnerships that ended one week below their meetings target.

Uses the one owed-time rule (:func:`tpm_plugin.services.owed.owed_by_week`), so a missed
week follows whatever a week owes; a corrected meeting counts once, as its newest version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import aliased

from ...models import Meeting, Partnership
from .._unit import session
from ..owed import owed_by_week
from .weeks import Week


@dataclass(frozen=True)
class BelowTarget:
    """One partnership's week below target: meetings owed and held."""

    partnership_id: int
    supervisor_id: int | None
    meetings_target: float
    meetings_held: int


def partnerships_below_target(week: Week, in_scope: ColumnElement[bool]) -> list[BelowTarget]:
    """Every partnership ``in_scope`` that held fewer meetings in ``week`` than it owed."""
    owed = owed_by_week(in_scope, [week])
    if not owed:
        return []
    newer = aliased(Meeting)
    held = dict(
        session()
        .execute(
            select(Meeting.partnership_id, func.count())
            .outerjoin(newer, newer.supersedes_id == Meeting.id)
            .where(
                Meeting.partnership_id.in_(sorted(owed)),
                Meeting.scheduled_at >= week.starts_at,
                Meeting.scheduled_at < week.ends_at,
                Meeting.status == "held",
                newer.id.is_(None),
            )
            .group_by(Meeting.partnership_id)
        )
        .all()
    )
    supervisors = dict(
        session()
        .execute(
            select(Partnership.id, Partnership.supervisor_id).where(
                Partnership.id.in_(sorted(owed))
            )
        )
        .all()
    )
    return [
        BelowTarget(pid, supervisors.get(pid), float(weeks[0].meetings), held.get(pid, 0))
        for pid, weeks in sorted(owed.items())
        if weeks[0].meetings_missed(held.get(pid, 0))
    ]
