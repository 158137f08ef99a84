"""The weekly times a partner cannot attend supervision: read and replaced by the partner
and the managers of their program. Wall-clock times in the program's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from ...access import Actor
from ...models import BlockedTime
from .._unit import unit_of_work
from ..access import ALLOWED, record_access, require_actor
from .availability import WeeklyWindow
from .reach import partner_in_reach

OBJECT_TYPE = "partner"
READ_ACTION = "read_blocked_times"
SET_ACTION = "set_blocked_times"


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
        answer = _current(unit.session, partner_id, timezone)
        record_access(actor, OBJECT_TYPE, partner_id, READ_ACTION, ALLOWED)
    return answer


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
        unit.session.execute(delete(BlockedTime).where(BlockedTime.partner_id == partner_id))
        unit.session.add_all(BlockedTime(partner_id=partner_id, **window) for window in windows)
        unit.session.flush()
        answer = _current(unit.session, partner_id, timezone)
        record_access(actor, OBJECT_TYPE, partner_id, SET_ACTION, ALLOWED)
    return answer


def _current(db: Any, partner_id: int, timezone: str) -> BlockedTimes:
    rows = db.scalars(
        select(BlockedTime)
        .where(BlockedTime.partner_id == partner_id)
        .order_by(BlockedTime.weekday, BlockedTime.starts_at)
    )
    return BlockedTimes(
        partner_id,
        timezone,
        [WeeklyWindow(row.weekday, row.starts_at, row.ends_at) for row in rows],
    )
