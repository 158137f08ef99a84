"""When a partnership's preferred weekly times change, the meetings planned from the old
times go, and the new times are planned in their place, so nobody is reminded of a time
that no longer holds (the new plan is made at once, in the same transaction).

A meeting counts as planned from an old time when it is still ``scheduled``, lies in the
future, has no outcome logged, and falls on one of the old times (that weekday at that wall
time, on the program's clock) that is not among the new times. Meetings anyone logged,
cancelled or moved elsewhere stay. Reminders already booked for a removed meeting find no
meeting when they run and send nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ...models import Meeting, Partnership
from .local_time import instant_of, wall_time
from .planning import schedule_coming_week

#: A preferred time: (weekday, 0 = Monday; local wall time).
Slot = tuple[int, dt.time]


def replace_planned_meetings(
    db: Session,
    partnership: Partnership,
    timezone: str,
    old: Iterable[Slot],
    new: Iterable[Slot],
    now: dt.datetime,
) -> tuple[list[int], int]:
    """In the caller's transaction (the partnership's row locked, its preferred times
    already replaced by ``new``), remove the future meetings planned from the ``old`` times
    and, if any were, plan the coming week from the new ones at once (otherwise the
    periodic planning plans them as usual).

    Returns:
        The ids of the meetings removed, and how many meetings were planned.
    """
    dropped = set(old) - set(new)
    zone = ZoneInfo(timezone)
    removed = []
    if dropped:
        candidates = db.execute(
            select(Meeting.id, Meeting.scheduled_at).where(
                Meeting.partnership_id == partnership.id,
                Meeting.status == "scheduled",
                Meeting.logged_at.is_(None),
                Meeting.scheduled_at > now,
            )
        )
        removed = [meeting_id for meeting_id, at in candidates if _planned_at(at, dropped, zone)]
    if not removed:
        return [], 0
    # Plan first: the new meetings take fresh ids (SQLite hands the highest id of a deleted
    # row out again, and a reminder booked for a removed meeting must not find a new one).
    planned = schedule_coming_week(db, [(partnership, timezone)], now)
    db.flush()
    db.execute(
        delete(Meeting).where(Meeting.id.in_(removed)),
        execution_options={"synchronize_session": False},
    )
    return removed, planned


def _planned_at(at: dt.datetime, slots: set[Slot], zone: ZoneInfo) -> bool:
    # Compare instants, not wall times: a preferred time the clocks skip was planned at the
    # moment of the jump (see .local_time).
    day = wall_time(at, zone).date()
    return any(
        weekday == day.weekday() and instant_of(dt.datetime.combine(day, local), zone) == at
        for weekday, local in slots
    )
