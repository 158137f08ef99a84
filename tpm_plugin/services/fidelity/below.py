"""The partnerships that ended one week below their meetings target.

Uses the same targets as the fidelity figures (:func:`.targets.partnership_weeks`), so a
missed week follows whatever a week owes; a corrected meeting counts once, as its newest
version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import aliased

from ...models import Meeting, Partnership
from .._unit import session
from .targets import partnership_weeks, pinned_cadences
from .weeks import Week, weeks_table


@dataclass(frozen=True)
class BelowTarget:
    """One partnership's week below target: meetings owed and held."""

    partnership_id: int
    supervisor_id: int | None
    meetings_target: float
    meetings_held: int


def partnerships_below_target(week: Week, in_scope: ColumnElement[bool]) -> list[BelowTarget]:
    """Every partnership ``in_scope`` that held fewer meetings in ``week`` than it owed
    (two statements: the stage cadences, then the week)."""
    weeks = weeks_table([week])
    targets = partnership_weeks(weeks, in_scope, pinned_cadences(in_scope))
    newer = aliased(Meeting)
    held = (
        select(Meeting.partnership_id, func.count().label("held"))
        .select_from(weeks)
        .join(
            Meeting,
            and_(Meeting.scheduled_at >= weeks.c.starts_at, Meeting.scheduled_at < weeks.c.ends_at),
        )
        .outerjoin(newer, newer.supersedes_id == Meeting.id)
        .where(Meeting.status == "held", newer.id.is_(None))
        .group_by(Meeting.partnership_id)
        .subquery("held_meetings")
    )
    count = func.coalesce(held.c.held, 0)
    rows = session().execute(
        select(targets.c.partnership_id, Partnership.supervisor_id, targets.c.target, count)
        .select_from(targets)
        .join(Partnership, Partnership.id == targets.c.partnership_id)
        .outerjoin(held, held.c.partnership_id == targets.c.partnership_id)
        .where(count < targets.c.target)
        .order_by(targets.c.partnership_id)
    )
    return [
        BelowTarget(partnership_id, supervisor_id, float(target), int(held_count))
        for partnership_id, supervisor_id, target, held_count in rows
    ]
