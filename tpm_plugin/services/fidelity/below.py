"""The partnerships that ended one week below their meetings target.

What a week owes comes from the one rule of owed time (:mod:`tpm_plugin.services.owed`), as
the fidelity figures' ``partnerships_below_target`` does, so a missed week here is exactly a
week fidelity shows below target; a corrected meeting counts once, as its newest version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
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
    """Every partnership ``in_scope`` that held fewer meetings in ``week`` than it owed
    (the owed rule's statements, then one for the meetings held and their supervisors)."""
    owed = owed_by_week(in_scope, [week])
    if not owed:
        return []
    newer = aliased(Meeting)
    held = (
        select(Meeting.partnership_id, func.count().label("held"))
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .outerjoin(newer, newer.supersedes_id == Meeting.id)
        .where(
            in_scope,
            Meeting.status == "held",
            Meeting.scheduled_at >= week.starts_at,
            Meeting.scheduled_at < week.ends_at,
            newer.id.is_(None),
        )
        .group_by(Meeting.partnership_id)
        .subquery("held_meetings")
    )
    rows = session().execute(
        select(Partnership.id, Partnership.supervisor_id, func.coalesce(held.c.held, 0))
        .outerjoin(held, held.c.partnership_id == Partnership.id)
        .where(and_(in_scope, Partnership.id.in_(sorted(owed))))
        .order_by(Partnership.id)
    )
    below = []
    for partnership_id, supervisor_id, held_count in rows:
        owed_now = owed[partnership_id][0]
        if owed_now.meetings_missed(int(held_count)):
            meetings = float(owed_now.meetings)
            below.append(BelowTarget(partnership_id, supervisor_id, meetings, int(held_count)))
    return below
