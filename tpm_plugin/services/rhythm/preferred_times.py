"""A partnership's preferred weekly meeting times: read and replaced by its partner, its
supervisor and its program managers (anyone who can reach the partnership).

Times are wall-clock times in the program's timezone; the coming week's meetings are
planned from them (:mod:`.planning`). Replacing them replaces the meetings still to come
that were planned from the old times (:mod:`.replanning`), in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select

from ...access import Actor
from ...models import PreferredMeetingTime, Program
from .._unit import unit_of_work
from ..access import ALLOWED, partnership_for, record_access, require_actor, touch
from ..partnerships import ensure_open
from .clock import rhythm_now
from .replanning import replace_planned_meetings

OBJECT_TYPE = "partnership"
READ_ACTION = "read_preferred_times"
SET_ACTION = "set_preferred_times"


@dataclass(frozen=True)
class WeeklyTime:
    """One preferred time: a weekday (0 = Monday) and a wall-clock time."""

    weekday: int
    time: dt.time


@dataclass(frozen=True)
class PreferredTimes:
    """A partnership's preferred weekly times, in its program's ``timezone``."""

    partnership_id: int
    timezone: str
    times: list[WeeklyTime]


def get_preferred_times(actor: Actor | None, partnership_id: int) -> PreferredTimes:
    """The partnership's preferred weekly times (the read is audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the partnership is outside the actor's scope (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_for(actor, partnership_id, READ_ACTION, reading=True)
        answer = _current(unit.session, partnership.id, partnership.program_id)
        record_access(actor, OBJECT_TYPE, partnership.id, READ_ACTION, ALLOWED)
    return answer


def set_preferred_times(
    actor: Actor | None, partnership_id: int, times: list[dict[str, Any]]
) -> PreferredTimes:
    """Replace the partnership's preferred weekly times, and the meetings still to come
    that were planned from the old times (see :mod:`.replanning`), in one transaction. The
    change is audited; the audit row names the meetings removed (``object_ids``).

    Args:
        times: ``weekday`` (0 = Monday) and ``local_time`` of each, distinct (checked by
            :class:`tpm_plugin.schemas.rhythm.PreferredTimesSchema`).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the partnership is outside the actor's scope (audited).
        ValidationFailed: the partnership is closed (``times``).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_for(actor, partnership_id, SET_ACTION, lock=True)
        ensure_open(partnership, "times")
        old = [
            (time.weekday, time.local_time)
            for time in unit.session.scalars(
                select(PreferredMeetingTime).where(
                    PreferredMeetingTime.partnership_id == partnership.id
                )
            )
        ]
        unit.session.execute(
            delete(PreferredMeetingTime).where(
                PreferredMeetingTime.partnership_id == partnership.id
            )
        )
        unit.session.add_all(
            PreferredMeetingTime(
                partnership_id=partnership.id, weekday=time["weekday"], local_time=time["time"]
            )
            for time in times
        )
        unit.session.flush()
        answer = _current(unit.session, partnership.id, partnership.program_id)
        removed, _ = replace_planned_meetings(
            unit.session,
            partnership,
            answer.timezone,
            old,
            [(time.weekday, time.time) for time in answer.times],
            rhythm_now(),
        )
        touch(actor, OBJECT_TYPE, partnership.id, SET_ACTION, ALLOWED, object_ids=removed)
    return answer


def _current(db: Any, partnership_id: int, program_id: int) -> PreferredTimes:
    times = list(
        db.scalars(
            select(PreferredMeetingTime)
            .where(PreferredMeetingTime.partnership_id == partnership_id)
            .order_by(PreferredMeetingTime.weekday, PreferredMeetingTime.local_time)
        )
    )
    timezone = db.scalar(select(Program.timezone).where(Program.id == program_id))
    return PreferredTimes(
        partnership_id, timezone, [WeeklyTime(time.weekday, time.local_time) for time in times]
    )
