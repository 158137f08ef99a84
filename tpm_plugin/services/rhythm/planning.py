"""The coming week's meetings, scheduled from each partnership's preferred weekly times.

For every open partnership with preferred times, each local week touching the next seven
days gets the first N preferred times of that week as scheduled meetings, where N is what
the one owed-time rule (:mod:`tpm_plugin.services.owed`) says the partnership owes a week
there: nothing in a stage whose cadence owes nothing (referred, on hold, terminal), the
stage's or the program's figure otherwise, raised by a crisis cadence in force. Where the
rate changes within the planned part of a week, the highest rate in it counts. A slot that already has a meeting
at that instant (in any status: a cancelled one stays cancelled) is left alone, so planning
twice plans once. Two planners at once take disjoint partnerships: each batch locks its
partnership rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one writer).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ...models import Meeting, Partnership, PreferredMeetingTime, Program
from .._unit import unit_of_work
from ..owed import OwedHistory, load_histories
from .local_time import instant_of, wall_time

#: How far ahead meetings are planned.
PLANNING_HORIZON = dt.timedelta(days=7)

#: Meetings a week owes, given the planned stretch ``[since, until)`` of that week.
WeeklyCount = Callable[[dt.datetime, dt.datetime], int]


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
    preferred: list[tuple[int, dt.time]],
    count: int | WeeklyCount,
    zone: ZoneInfo,
    now: dt.datetime,
) -> list[dt.datetime]:
    """The meeting instants in (``now``, ``now`` + 7 days] for one partnership.

    Args:
        preferred: (weekday, local time) pairs, 0 = Monday.
        count: meetings a week, or a function giving them for the planned stretch of each
            local week (see :func:`owed_meetings`).
        zone: the program's timezone.
        now: the planning clock.
    """
    if not preferred:
        return []
    today = wall_time(now, zone).date()
    monday = today - dt.timedelta(days=today.weekday())
    until = now + PLANNING_HORIZON
    planned = []
    for week in (monday, monday + dt.timedelta(weeks=1)):
        starts = instant_of(dt.datetime.combine(week, dt.time()), zone)
        ends = instant_of(dt.datetime.combine(week + dt.timedelta(weeks=1), dt.time()), zone)
        since, till = max(starts, now), min(ends, until)
        if since >= till:
            continue
        owed = count if isinstance(count, int) else count(since, till)
        planned += [at for at in week_slots(preferred, week, zone, owed) if now < at <= until]
    return planned


def owed_meetings(history: OwedHistory) -> WeeklyCount:
    """Meetings a week ``history``'s partnership owes over a stretch: the highest meetings
    rate the owed-time rule gives anywhere in it (0 where it owes nothing)."""

    def count(since: dt.datetime, until: dt.datetime) -> int:
        moments = [since, *(m for m in history.moments if since < m < until)]
        return max((history.rates_at(moment)[0] or 0) for moment in moments)

    return count


def plan_meetings(first_id: int, last_id: int, now: dt.datetime) -> int:
    """Schedule the coming week's meetings of the open partnerships with ids in
    [``first_id``, ``last_id``] (one transaction).

    Returns:
        How many meetings were scheduled.
    """
    with unit_of_work() as unit:
        db = unit.session
        rows = db.execute(
            select(Partnership, Program.timezone)
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
        return schedule_coming_week(db, [(p, timezone) for p, timezone in rows], now)


def schedule_coming_week(
    db: Session, partnerships: list[tuple[Partnership, str]], now: dt.datetime
) -> int:
    """Add the coming week's meetings of ``partnerships`` ((partnership, program timezone)
    pairs, their rows locked by the caller) in the caller's transaction.

    Returns:
        How many meetings were scheduled.
    """
    if not partnerships:
        return 0
    ids = [partnership.id for partnership, _ in partnerships]
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
    histories = load_histories(Partnership.id.in_(ids), now, now + PLANNING_HORIZON)
    added = 0
    for partnership, timezone in partnerships:
        history = histories.get(partnership.id)
        if history is None or not preferred[partnership.id]:
            continue
        count = owed_meetings(history)
        for at in planned_instants(preferred[partnership.id], count, ZoneInfo(timezone), now):
            if (partnership.id, at) not in existing:
                db.add(Meeting(partnership_id=partnership.id, scheduled_at=at))
                added += 1
    return added
