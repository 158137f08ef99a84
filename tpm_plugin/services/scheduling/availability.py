"""A supervisor's weekly availability: read and replaced by the supervisor and the managers
of their program. Windows are wall-clock times in the program's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...access import Actor
from ...models import AvailabilityWindow
from .._unit import unit_of_work
from ..access import ALLOWED, record_access, require_actor
from .reach import supervisor_in_reach
from .windows import WeeklyWindow, read_windows, replace_windows

OBJECT_TYPE = "supervisor"
READ_ACTION = "read_availability"
SET_ACTION = "set_availability"
OWNER = AvailabilityWindow.supervisor_id


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
        windows = read_windows(unit.session, AvailabilityWindow, OWNER, supervisor_id)
        record_access(actor, OBJECT_TYPE, supervisor_id, READ_ACTION, ALLOWED)
    return Availability(supervisor_id, timezone, windows)


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
        stored = replace_windows(unit.session, AvailabilityWindow, OWNER, supervisor_id, windows)
        record_access(actor, OBJECT_TYPE, supervisor_id, SET_ACTION, ALLOWED)
    return Availability(supervisor_id, timezone, stored)
