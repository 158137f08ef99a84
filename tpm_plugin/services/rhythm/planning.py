"""The coming week's meetings, scheduled from each partnership's preferred weekly times.

For every open partnership with preferred times whose stage owes meetings, each local week
touching the next seven days gets the first N preferred times of that week (N: the stage's
or the program's meetings a week) as scheduled meetings. A slot that already has a meeting
at that instant (in any status: a cancelled one stays cancelled) is left alone, so planning
twice plans once. Two planners at once take disjoint partnerships: each batch locks its
partnership rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select

from ...models import Meeting, Partnership, PreferredMeetingTime, Program
from .._unit import unit_of_work
from .cadence import meetings_per_week, stage_rhythms
from .local_time import instant_of, wall_time

#: How far ahead meetings are planned.
PLANNING_HORIZON = dt.timedelta(days=7)


def week_slots(
    preferred: list[tuple[int, dt.time]], monday: dt.date, zone: ZoneInfo, count: int
) -> list[dt.datetime]:
    """The UTC instants of the first ``count`` preferred times in the local week starting
    ``monday`` (``preferred``: (weekday, local time) pairs, 0 = Monday)."""
    ordered = sorted(set(preferred))[:count]
    return [
        instant_of(dt.datetime.combine(monday + dt.timedelta(days=weekday), at), zone)
        for weekday, at in ordered
    ]


def planned_instants(
    preferred: list[tuple[int, dt.time]], count: int, zone: ZoneInfo, now: dt.datetime
) -> list[dt.datetime]:
    """The meeting instants in (``now``, ``now`` + 7 days] for one partnership."""
    if count <= 0 or not preferred:
        return []
    today = wall_time(now, zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    until = now + PLANNING_HORIZON
    return [
        at
        for week in (monday, monday + dt.timedelta(weeks=1))
        for at in week_slots(preferred, week, zone, count)
        if now < at <= until
    ]


def plan_meetings(first_id: int, last_id: int, now: dt.datetime) -> int:
    """Schedule the coming week's meetings of the open partnerships with ids in
    [``first_id``, ``last_id``] (one transaction).

    Returns:
        How many meetings were scheduled.
    """
    with unit_of_work() as unit:
        db = unit.session
        rows = db.execute(
            select(Partnership, Program.timezone, Program.meetings_per_week)
            .join(Program, Program.id == Partnership.program_id)
            .where(
                Partnership.id.between(first_id, last_id),
                Partnership.ended_at.is_(None),
                # Only partnerships with preferred times are locked and planned.
                exists().where(PreferredMeetingTime.partnership_id == Partnership.id),
            )
            .order_by(Partnership.id)
            .with_for_update(of=Partnership, skip_locked=True)
        ).all()
        if not rows:
            return 0
        ids = [row.Partnership.id for row in rows]
        preferred: dict[int, list[tuple[int, dt.time]]] = defaultdict(list)
        for time in db.scalars(
            select(PreferredMeetingTime).where(PreferredMeetingTime.partnership_id.in_(ids))
        ):
            preferred[time.partnership_id].append((time.weekday, time.local_time))
        existing = {
            (partnership_id, at)
            for partnership_id, at in db.execute(
                select(Meeting.partnership_id, Meeting.scheduled_at).where(
                    Meeting.partnership_id.in_(ids),
                    Meeting.scheduled_at > now,
                    Meeting.scheduled_at <= now + PLANNING_HORIZON,
                )
            )
        }
        rhythms = stage_rhythms((p.workflow_key, p.workflow_version) for p, _, _ in rows)
        added = 0
        for partnership, timezone, program_default in rows:
            if not preferred[partnership.id]:
                continue
            count = meetings_per_week(
                rhythms,
                partnership.workflow_key,
                partnership.workflow_version,
                partnership.stage,
                program_default,
            )
            for at in planned_instants(preferred[partnership.id], count, ZoneInfo(timezone), now):
                if (partnership.id, at) not in existing:
                    db.add(Meeting(partnership_id=partnership.id, scheduled_at=at))
                    added += 1
        return added
