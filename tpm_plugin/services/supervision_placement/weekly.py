"""A program's week of supervision blocks, placed from the database and written back as
supervision sessions.

:func:`place_program_week` reads what the week owes (the one owed-time rule), the
supervisors' availability and absences, the partners' blocked times and last week's
blocks, runs :func:`.solver.place_week`, and replaces the week's placed sessions that are
still ``scheduled`` (held and hand-made sessions stay and their time is taken; a
cancelled block's partner is placed again).
During an absence with a cover, the absent supervisor's work that does not fit their own
remaining days is placed with the cover, in the cover's availability on the absent days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from ...models import (
    Absence,
    AvailabilityWindow,
    BlockedTime,
    CoverGrant,
    Partnership,
    PlacementRun,
    Program,
    SupervisionSession,
    Supervisor,
    UnplacedSupervision,
    utcnow,
)
from .._unit import unit_of_work
from ..access import ALLOWED, record_access
from ..fidelity import week_window
from ..owed import owed_by_week
from ..rhythm.local_time import instant_of, wall_time
from .reminders import book_block_reminders
from .requests import cancelled_blocks
from .solver import Demand, Interval, Placement, place_week

DAY = 24 * 60


def place_program_week(program_id: int, monday: dt.date) -> Placement:
    """Place the program's supervision blocks for the local week starting ``monday``.

    One transaction. Deterministic: the same database gives the same blocks.

    Returns:
        The placement (blocks with the supervisor who holds them, and unplaced work).
    """
    started = utcnow()
    with unit_of_work() as unit:
        db = unit.session
        timezone = db.scalar(select(Program.timezone).where(Program.id == program_id))
        if timezone is None:
            return Placement()
        zone = ZoneInfo(timezone)
        [week] = week_window(timezone, start=monday, end=monday)
        supervisors = list(
            db.scalars(select(Supervisor.id).where(Supervisor.program_id == program_id))
        )
        kept = _kept_sessions(db, supervisors, week.starts_at, week.ends_at, started)
        busy: dict[int, list[Interval]] = defaultdict(list)
        # Nothing is placed in the part of the week already gone.
        # (up to the next whole minute).
        gone = min(max(_minute_of_week(started, monday, zone) + 1, 0), 7 * DAY)
        if gone:
            for supervisor_id in supervisors:
                busy[supervisor_id].append((0, gone))
        covered_partners = set()
        for row in kept:
            start = _minute_of_week(row.scheduled_at, monday, zone)
            busy[row.supervisor_id].append((start, start + row.scheduled_minutes))
            covered_partners.add((row.partner_id, row.supervisor_id))
        demands = [
            demand
            for demand in _demands(db, program_id, week, monday, zone)
            if (demand.partner_id, demand.supervisor_id) not in covered_partners
        ]
        windows = _availability(db, supervisors)
        absences = _absences(db, supervisors, monday)
        own = {
            sid: _without_days(windows.get(sid, []), absent)
            for sid, (absent, _) in absences.items()
        }
        placement = place_week({**windows, **own}, demands, busy)
        placement, moved = _place_with_covers(placement, windows, absences, demands, busy)
        _write(db, monday, zone, supervisors, placement, started)
        _grant_covers(db, moved, monday, zone)
        _record_run(db, program_id, monday, started)
    return placement


def _demands(db: Any, program_id: int, week: Any, monday: dt.date, zone: ZoneInfo) -> list[Demand]:
    owed = owed_by_week(Partnership.program_id == program_id, [week])
    rows = db.execute(
        select(Partnership.id, Partnership.partner_id, Partnership.supervisor_id).where(
            Partnership.id.in_(sorted(owed)),
            Partnership.partner_id.is_not(None),
            Partnership.supervisor_id.is_not(None),
        )
    ).all()
    minutes: dict[tuple[int, int], Any] = defaultdict(int)
    for partnership_id, partner_id, supervisor_id in rows:
        minutes[(partner_id, supervisor_id)] += owed[partnership_id][0].supervision_minutes
    blocked = _blocked(db, sorted({partner for partner, _ in minutes}))
    last = _last_starts(db, monday, zone)
    return [
        Demand(
            partner_id,
            supervisor_id,
            math.ceil(owed_minutes),
            blocked=tuple(blocked.get(partner_id, ())),
            last_start=last.get((partner_id, supervisor_id)),
        )
        for (partner_id, supervisor_id), owed_minutes in sorted(minutes.items())
        if owed_minutes > 0
    ]


def _weekly(rows: Any) -> dict[int, list[Interval]]:
    found: dict[int, list[Interval]] = defaultdict(list)
    for owner, weekday, starts_at, ends_at in rows:
        found[owner].append(
            (weekday * DAY + _minutes(starts_at), weekday * DAY + _minutes(ends_at))
        )
    return found


def _availability(db: Any, supervisors: list[int]) -> dict[int, list[Interval]]:
    return _weekly(
        db.execute(
            select(
                AvailabilityWindow.supervisor_id,
                AvailabilityWindow.weekday,
                AvailabilityWindow.starts_at,
                AvailabilityWindow.ends_at,
            ).where(AvailabilityWindow.supervisor_id.in_(supervisors))
        ).all()
    )


def _blocked(db: Any, partners: list[int]) -> dict[int, list[Interval]]:
    return _weekly(
        db.execute(
            select(
                BlockedTime.partner_id,
                BlockedTime.weekday,
                BlockedTime.starts_at,
                BlockedTime.ends_at,
            ).where(BlockedTime.partner_id.in_(partners))
        ).all()
    )


def _absences(
    db: Any, supervisors: list[int], monday: dt.date
) -> dict[int, tuple[set[int], int | None]]:
    """Per absent supervisor: the weekdays away this week and the cover (if any)."""
    sunday = monday + dt.timedelta(days=6)
    found: dict[int, tuple[set[int], int | None]] = {}
    rows = db.scalars(
        select(Absence)
        .where(
            Absence.supervisor_id.in_(supervisors),
            Absence.starts_on <= sunday,
            Absence.ends_on >= monday,
        )
        .order_by(Absence.starts_on, Absence.id)
    )
    for absence in rows:
        days, cover = found.get(absence.supervisor_id, (set(), None))
        first = max(absence.starts_on, monday)
        last = min(absence.ends_on, sunday)
        days |= {(first - monday).days + n for n in range((last - first).days + 1)}
        found[absence.supervisor_id] = (days, cover or absence.cover_supervisor_id)
    return found


def _without_days(windows: list[Interval], days: set[int]) -> list[Interval]:
    return [window for window in windows if window[0] // DAY not in days]


def _only_days(windows: list[Interval], days: set[int]) -> list[Interval]:
    return [window for window in windows if window[0] // DAY in days]


def _place_with_covers(
    placement: Placement,
    windows: dict[int, list[Interval]],
    absences: dict[int, tuple[set[int], int | None]],
    demands: list[Demand],
    busy: dict[int, list[Interval]],
) -> tuple[Placement, list[tuple[int, int, int]]]:
    """Place the absent supervisors' unplaced work with their covers. Returns the placement
    and the ``(partner, absent supervisor, cover)`` of each block that moved."""
    by_key = {(d.partner_id, d.supervisor_id): d for d in demands}
    moving = []
    staying = []
    for missing in placement.unplaced:
        days, cover = absences.get(missing.supervisor_id, (set(), None))
        demand = by_key[(missing.partner_id, missing.supervisor_id)]
        if cover is None:
            staying.append(missing)
            continue
        moving.append((cover, days, demand))
    if not moving:
        return placement, []
    taken: dict[int, list[Interval]] = defaultdict(list)
    for sid, intervals in busy.items():
        taken[sid].extend(intervals)
    for block in placement.blocks:
        taken[block.supervisor_id].extend(block.parts)
    result = Placement(list(placement.blocks), staying)
    moved = []
    for cover, days, demand in moving:
        with_cover = Demand(demand.partner_id, cover, demand.minutes, demand.blocked)
        covered = place_week({cover: _only_days(windows.get(cover, []), days)}, [with_cover], taken)
        for block in covered.blocks:
            taken[cover].extend(block.parts)
            moved.append((demand.partner_id, demand.supervisor_id, cover))
        result.blocks.extend(covered.blocks)
        result.unplaced.extend(
            type(missing)(missing.partner_id, demand.supervisor_id, missing.minutes, missing.reason)
            for missing in covered.unplaced
        )
    return result, moved


def _grant_covers(
    db: Any, moved: list[tuple[int, int, int]], monday: dt.date, zone: ZoneInfo
) -> None:
    """Give each cover read access to exactly the partnerships of the blocks they took, for
    exactly the absence (local days, as UTC instants); audited."""
    sunday = monday + dt.timedelta(days=6)
    for partner_id, absent_id, cover_id in moved:
        absence = db.scalar(
            select(Absence)
            .where(
                Absence.supervisor_id == absent_id,
                Absence.cover_supervisor_id == cover_id,
                Absence.starts_on <= sunday,
                Absence.ends_on >= monday,
            )
            .order_by(Absence.starts_on, Absence.id)
        )
        granted = set(
            db.scalars(select(CoverGrant.partnership_id).where(CoverGrant.absence_id == absence.id))
        )
        partnerships = db.scalars(
            select(Partnership.id).where(
                Partnership.partner_id == partner_id,
                Partnership.supervisor_id == absent_id,
                Partnership.ended_at.is_(None),
            )
        ).all()
        for partnership_id in partnerships:
            if partnership_id in granted:
                continue
            grant = CoverGrant(
                absence_id=absence.id,
                cover_supervisor_id=cover_id,
                partnership_id=partnership_id,
                starts_at=instant_of(dt.datetime.combine(absence.starts_on, dt.time()), zone),
                ends_at=instant_of(
                    dt.datetime.combine(absence.ends_on + dt.timedelta(days=1), dt.time()), zone
                ),
            )
            db.add(grant)
            db.flush()
            record_access(None, "cover_grant", grant.id, "grant_cover", ALLOWED)


def _kept_sessions(
    db: Any, supervisors: list[int], since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> list[SupervisionSession]:
    """The week's sessions a new placement works around: held and no-show ones, ones
    scheduled by hand, and blocks already begun (still to be logged). A cancelled block
    frees its time and its partner is placed again."""
    return list(
        db.scalars(
            select(SupervisionSession).where(
                SupervisionSession.supervisor_id.in_(supervisors),
                SupervisionSession.scheduled_at >= since,
                SupervisionSession.scheduled_at < until,
                SupervisionSession.status.in_(("held", "no_show"))
                | (
                    (SupervisionSession.status == "scheduled")
                    & (
                        SupervisionSession.placed_week.is_(None)
                        | (SupervisionSession.scheduled_at < now)
                    )
                ),
            )
        )
    )


def _last_starts(db: Any, monday: dt.date, zone: ZoneInfo) -> dict[tuple[int, int], int]:
    last_monday = monday - dt.timedelta(days=7)
    rows = db.execute(
        select(
            SupervisionSession.partner_id,
            SupervisionSession.supervisor_id,
            SupervisionSession.scheduled_at,
        )
        .where(
            SupervisionSession.placed_week == last_monday,
            (SupervisionSession.block_part == 1) | SupervisionSession.block_part.is_(None),
        )
        .order_by(SupervisionSession.id)
    ).all()
    return {
        (partner, supervisor): _minute_of_week(at, last_monday, zone)
        for partner, supervisor, at in rows
    }


def _write(
    db: Any,
    monday: dt.date,
    zone: ZoneInfo,
    supervisors: list[int],
    placement: Placement,
    now: dt.datetime,
) -> None:
    db.execute(
        delete(SupervisionSession).where(
            SupervisionSession.supervisor_id.in_(supervisors),
            SupervisionSession.placed_week == monday,
            SupervisionSession.status == "scheduled",
            SupervisionSession.scheduled_at >= now,
        )
    )
    db.execute(
        delete(UnplacedSupervision).where(
            UnplacedSupervision.supervisor_id.in_(supervisors),
            UnplacedSupervision.week_starts_on == monday,
        )
    )
    start_of_week = dt.datetime.combine(monday, dt.time())
    sessions = []
    for block in placement.blocks:
        for part_number, (start, end) in enumerate(block.parts, start=1):
            sessions.append(
                SupervisionSession(
                    supervisor_id=block.supervisor_id,
                    partner_id=block.partner_id,
                    scheduled_at=instant_of(start_of_week + dt.timedelta(minutes=start), zone),
                    scheduled_minutes=end - start,
                    status="scheduled",
                    placed_week=monday,
                    block_part=part_number if block.split else None,
                )
            )
    db.add_all(sessions)
    db.flush()
    book_block_reminders(sessions, zone)
    db.add_all(
        UnplacedSupervision(
            supervisor_id=missing.supervisor_id,
            partner_id=missing.partner_id,
            week_starts_on=monday,
            minutes=missing.minutes,
            reason=missing.reason,
        )
        for missing in placement.unplaced
    )


def _record_run(db: Any, program_id: int, monday: dt.date, started: dt.datetime) -> None:
    run = db.scalar(
        select(PlacementRun)
        .where(PlacementRun.program_id == program_id, PlacementRun.week_starts_on == monday)
        .with_for_update()
    )
    if run is None:
        run = PlacementRun(program_id=program_id, week_starts_on=monday)
        db.add(run)
    run.placed_at = started
    run.cancelled_seen = cancelled_blocks(program_id, monday)


def _minute_of_week(instant: dt.datetime, monday: dt.date, zone: ZoneInfo) -> int:
    wall = wall_time(instant, zone)
    return int((wall - dt.datetime.combine(monday, dt.time())).total_seconds() // 60)


def _minutes(time: dt.time) -> int:
    return time.hour * 60 + time.minute
