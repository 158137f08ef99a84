"""A supervisor's weekly availability: read and replaced by the supervisor and the managers
of their program. Windows are wall-clock times in the program's timezone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from ...access import Actor
from ...models import AvailabilityWindow
from .._unit import unit_of_work
from ..access import ALLOWED, record_access, require_actor
from .reach import supervisor_in_reach

OBJECT_TYPE = "supervisor"
READ_ACTION = "read_availability"
SET_ACTION = "set_availability"


@dataclass(frozen=True)
class WeeklyWindow:
    """A weekly stretch of wall-clock time: weekday (0 = Monday), start and end."""

    weekday: int
    starts_at: dt.time
    ends_at: dt.time


@dataclass(frozen=True)
class Availability:
    """A supervisor's weekly windows, in their program's ``timezone``."""

    supervisor_id: int
    timezone: str
    windows: list[WeeklyWindow]


def get_availability(actor: Actor | None, supervisor_id: int) -> Availability:
    """The supervisor's weekly windows (the read is audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the supervisor is outside the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        _, timezone = supervisor_in_reach(unit.session, actor, supervisor_id, READ_ACTION)
        answer = _current(unit.session, supervisor_id, timezone)
        record_access(actor, OBJECT_TYPE, supervisor_id, READ_ACTION, ALLOWED)
    return answer


def set_availability(
    actor: Actor | None, supervisor_id: int, windows: list[dict[str, Any]]
) -> Availability:
    """Replace the supervisor's weekly windows (the change is audited).

    Args:
        windows: ``weekday``, ``starts_at`` and ``ends_at`` of each, in order and not
            overlapping (checked by :class:`tpm_plugin.schemas.scheduling.WindowsUpdateSchema`).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the supervisor is outside the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        _, timezone = supervisor_in_reach(unit.session, actor, supervisor_id, SET_ACTION)
        unit.session.execute(
            delete(AvailabilityWindow).where(AvailabilityWindow.supervisor_id == supervisor_id)
        )
        unit.session.add_all(
            AvailabilityWindow(supervisor_id=supervisor_id, **window) for window in windows
        )
        unit.session.flush()
        answer = _current(unit.session, supervisor_id, timezone)
        record_access(actor, OBJECT_TYPE, supervisor_id, SET_ACTION, ALLOWED)
    return answer


def _current(db: Any, supervisor_id: int, timezone: str) -> Availability:
    rows = db.scalars(
        select(AvailabilityWindow)
        .where(AvailabilityWindow.supervisor_id == supervisor_id)
        .order_by(AvailabilityWindow.weekday, AvailabilityWindow.starts_at)
    )
    return Availability(
        supervisor_id,
        timezone,
        [WeeklyWindow(row.weekday, row.starts_at, row.ends_at) for row in rows],
    )
