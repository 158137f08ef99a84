"""The weekly times a partner cannot attend supervision: read and replaced by the partner
and the managers of their program. Wall-clock times in the program's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...access import Actor
from ...models import BlockedTime
from .._unit import unit_of_work
from ..access import ALLOWED, record_access, require_actor
from .reach import partner_in_reach
from .windows import WeeklyWindow, read_windows, replace_windows

OBJECT_TYPE = "partner"
READ_ACTION = "read_blocked_times"
SET_ACTION = "set_blocked_times"
OWNER = BlockedTime.partner_id


@dataclass(frozen=True)
class BlockedTimes:
    """A partner's weekly blocked times, in their program's ``timezone``."""

    partner_id: int
    timezone: str
    windows: list[WeeklyWindow]


def get_blocked_times(actor: Actor | None, partner_id: int) -> BlockedTimes:
    """The partner's weekly blocked times (the read is audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the partner is outside the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        _, timezone = partner_in_reach(unit.session, actor, partner_id, READ_ACTION)
        windows = read_windows(unit.session, BlockedTime, OWNER, partner_id)
        record_access(actor, OBJECT_TYPE, partner_id, READ_ACTION, ALLOWED)
    return BlockedTimes(partner_id, timezone, windows)


def set_blocked_times(
    actor: Actor | None, partner_id: int, windows: list[dict[str, Any]]
) -> BlockedTimes:
    """Replace the partner's weekly blocked times (the change is audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the partner is outside the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        _, timezone = partner_in_reach(unit.session, actor, partner_id, SET_ACTION)
        stored = replace_windows(unit.session, BlockedTime, OWNER, partner_id, windows)
        record_access(actor, OBJECT_TYPE, partner_id, SET_ACTION, ALLOWED)
    return BlockedTimes(partner_id, timezone, stored)
