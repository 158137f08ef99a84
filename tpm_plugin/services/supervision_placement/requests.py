"""When a program's week is placed (again): once the program-local week has begun, and
after any change the placement reads since it last ran (a partnership opened, closed,
moved stage, changed partner or supervisor; a block cancelled).

A periodic job looks each program's current week over every
``TPM_PLACEMENT_INTERVAL_SECONDS`` and adds a placement job to the outbox when the week has
never been placed or something changed since; the dedupe key names the state seen, so two
looks at the same state add one job.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...models import Partnership as _Partnership
from ...models import (
    PartnershipAssignment,
    PlacementRun,
    Program,
    SupervisionSession,
    Supervisor,
    TransitionAudit,
)
from .._unit import session, unit_of_work
from ..outbox import add_to_outbox

PLACEMENT_JOB = "tpm.place_supervision"
WEEK_TICK_JOB = "tpm.supervision_week_tick"


def local_monday(timezone: str, now: dt.datetime) -> dt.date:
    """The Monday of the program-local week that ``now`` falls in."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return today - dt.timedelta(days=today.weekday())


def request_placements(now: dt.datetime) -> int:
    """Add a placement job to the outbox for every program whose current week needs one.

    One transaction per program. Returns how many jobs were added.
    """
    programs = session().execute(select(Program.id, Program.timezone)).all()
    session().rollback()
    return sum(
        _request(program_id, local_monday(timezone, now)) for program_id, timezone in programs
    )


def cancelled_blocks(program_id: int, monday: dt.date) -> int:
    """How many of the program's placed blocks for the week were cancelled."""
    return session().scalar(
        select(func.count())
        .select_from(SupervisionSession)
        .join(Supervisor, Supervisor.id == SupervisionSession.supervisor_id)
        .where(
            Supervisor.program_id == program_id,
            SupervisionSession.placed_week == monday,
            SupervisionSession.status == "cancelled",
        )
    )


def _last_change(program_id: int) -> dt.datetime | None:
    in_program = select(_Partnership.id).where(_Partnership.program_id == program_id)
    assigned = session().scalar(
        select(func.max(PartnershipAssignment.valid_from)).where(
            PartnershipAssignment.partnership_id.in_(in_program)
        )
    )
    moved = session().scalar(
        select(func.max(TransitionAudit.occurred_at)).where(
            TransitionAudit.partnership_id.in_(in_program)
        )
    )
    return max((at for at in (assigned, moved) if at is not None), default=None)


def _request(program_id: int, monday: dt.date) -> int:
    try:
        with unit_of_work() as unit:
            run = unit.session.scalar(
                select(PlacementRun).where(
                    PlacementRun.program_id == program_id, PlacementRun.week_starts_on == monday
                )
            )
            changed = _last_change(program_id)
            cancelled = cancelled_blocks(program_id, monday)
            if (
                run is not None
                and cancelled <= run.cancelled_seen
                and (changed is None or changed <= run.placed_at)
            ):
                return 0
            stamp = int(changed.timestamp() * 1_000_000) if changed else 0
            add_to_outbox(
                PLACEMENT_JOB,
                f"place-{program_id}-{monday:%Y%m%d}-{stamp}-{cancelled}",
                program_id=program_id,
                week=monday.isoformat(),
            )
    except IntegrityError:
        # This state of the week was requested before (the job is in the outbox already).
        return 0
    return 1
