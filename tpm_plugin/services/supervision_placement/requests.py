"""When a program's week is placed (again): once the program-local week has begun, and
after any change the placement reads (a partnership opened, closed, moved between stages
that owe differently, changed partner or supervisor; a block cancelled).

Each of those changes calls :func:`request_replacement` in its own transaction, which adds a
placement job of the program to the outbox unless one is still waiting there (a burst of
changes is placed once); it places the program's current week when it runs. A periodic job
looks each program's current week over every ``TPM_PLACEMENT_INTERVAL_SECONDS`` as a safety
net, and adds a placement job when the week has never been placed or something changed since
it last was, and none waits; its dedupe key names the state seen, so two looks at the same
state add one job.

On a hot path that writes its rows in one statement (intake), :func:`replacement_cte` is the
same request as a data-modifying CTE of that statement, at no round trip of its own.
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, Column, ColumnElement, Insert, bindparam, cast, func, insert, select
from sqlalchemy.exc import IntegrityError

from ...models import (
    OutboxMessage,
    PartnershipAssignment,
    PlacementRun,
    Program,
    SupervisionSession,
    Supervisor,
    TransitionAudit,
    utcnow,
)
from ...models import Partnership as _Partnership
from .._unit import session, unit_of_work
from ..outbox import add_to_outbox, outbox_row

PLACEMENT_JOB = "tpm.place_supervision"
WEEK_TICK_JOB = "tpm.supervision_week_tick"


def local_monday(timezone: str, now: dt.datetime) -> dt.date:
    """The Monday of the program-local week that ``now`` falls in."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    return today - dt.timedelta(days=today.weekday())


def request_replacement(program_id: int) -> None:
    """Have the program's week placed again once the caller's change commits: a placement
    job added to the outbox in the caller's transaction (ids only), unless one of the
    program's is still waiting to be relayed, which will then see this change as well. The
    job places the program's current local week as of when it runs.

    The waiting job is share-locked until the caller commits, so the relay (which skips
    locked rows) cannot hand it to a worker that would place the week without this change;
    a job being relayed at this moment is locked by the relay, skipped here, and a new one
    is added. One statement (:func:`replacement_insert`), whether a job waits or not.
    """
    current = session()
    postgresql = current.get_bind().dialect.name == "postgresql"
    current.execute(replacement_insert(postgresql), replacement_params(program_id))


@cache
def replacement_insert(postgresql: bool) -> Insert:
    """The statement of :func:`request_replacement`, for :func:`replacement_params`: insert
    a placement job of the program unless one waits (share-locked, skipping one the relay
    holds). Built once per kind of database; a caller may also carry it in a
    data-modifying CTE of its own."""
    table = OutboxMessage.__table__
    waiting = (
        select(table.c.id)
        .where(table.c.relayed_at.is_(None), table.c.dedupe_key.like(bindparam("placement_of")))
        .limit(1)
        .with_for_update(read=True, skip_locked=True)
    )
    row = select(
        *(typed(f"placement_{name}", table.c[name], postgresql) for name in _PLACEMENT_COLUMNS)
    ).where(~waiting.exists())
    return insert(table).from_select(_PLACEMENT_COLUMNS, row, include_defaults=False)


def replacement_params(program_id: int) -> dict[str, Any]:
    """The parameters of :func:`replacement_insert` for ``program_id``."""
    # Any unique key will do: the relay enqueues each row once under its own key.
    row = outbox_row(
        PLACEMENT_JOB, f"place-{program_id}-change-{uuid.uuid4().hex}", program_id=program_id
    )
    # The prefix is digits and dashes: nothing in it needs escaping for LIKE.
    params = {f"placement_{name}": row[name] for name in _PLACEMENT_COLUMNS}
    params["placement_of"] = f"place-{program_id}-%"
    return params


def typed(name: str, column: Column, postgresql: bool) -> ColumnElement:
    """A parameter for ``column`` in a SELECT list, which has no column to take a type from:
    PostgreSQL is told its type (a CAST); SQLite is not, since its CAST to a timestamp turns
    the stored text into a number."""
    parameter = bindparam(name, type_=column.type)
    return cast(parameter, column.type) if postgresql else parameter


_PLACEMENT_COLUMNS = ("job_name", "payload", "dedupe_key", "available_at", "attempts", "created_at")


def replacement_cte(program_id: int) -> tuple[CTE, dict[str, Any]]:
    """:func:`request_replacement` as a data-modifying CTE and its parameters, for a caller
    that writes its change in one statement on PostgreSQL and adds this to it (intake's one
    INSERT): the same statement as :func:`replacement_insert`, so the waiting job is
    share-locked in the same way until the caller commits."""
    return _replacement_cte(), replacement_params(program_id)


@cache
def _replacement_cte() -> CTE:
    # Built once: the hot path pays for neither building it nor its cache key.
    return replacement_insert(True).cte("tpm_placement_request")


def current_week(program_id: int) -> dt.date | None:
    """The Monday of the program's current local week (``None``: no such program)."""
    timezone = session().scalar(select(Program.timezone).where(Program.id == program_id))
    session().rollback()
    return None if timezone is None else local_monday(timezone, utcnow())


def _key_prefix(program_id: int, monday: dt.date) -> str:
    return f"place-{program_id}-{monday:%Y%m%d}-"


def _waiting(program_id: int) -> bool:
    """Whether a placement job of the program waits in the outbox, not relayed yet."""
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.relayed_at.is_(None),
            OutboxMessage.dedupe_key.startswith(f"place-{program_id}-", autoescape=True),
        )
        .limit(1)
    )
    return session().scalar(query) is not None


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
            if _waiting(program_id) or (
                run is not None
                and cancelled <= run.cancelled_seen
                and (changed is None or changed <= run.placed_at)
            ):
                return 0
            stamp = int(changed.timestamp() * 1_000_000) if changed else 0
            add_to_outbox(
                PLACEMENT_JOB,
                f"{_key_prefix(program_id, monday)}{stamp}-{cancelled}",
                program_id=program_id,
                week=monday.isoformat(),
            )
    except IntegrityError:
        # This state of the week was requested before (the job is in the outbox already).
        return 0
    return 1
