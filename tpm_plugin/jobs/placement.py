"""Supervision placement jobs: the periodic look at each program's week, and the placement
of one program's week (added to the outbox by the look)."""

from __future__ import annotations

import datetime as dt

from ..services.supervision_placement.reminders import BLOCK_REMINDER_JOB, remind_block
from ..services.supervision_placement.requests import (
    PLACEMENT_JOB,
    WEEK_TICK_JOB,
    current_week,
    request_placements,
)
from ..services.supervision_placement.weekly import place_program_week
from .periodic import register_periodic, schedule_next_tick
from .registry import register_job


@register_job(PLACEMENT_JOB)
def place_supervision(program_id: int, week: str | None = None) -> int:
    """Place a program's week of supervision blocks (``week``: its local Monday, ISO;
    default: the program's current week as of now). Returns the blocks placed."""
    monday = dt.date.fromisoformat(week) if week else current_week(program_id)
    return 0 if monday is None else len(place_program_week(program_id, monday).blocks)


@register_job(BLOCK_REMINDER_JOB)
def block_reminder(session_id: int, lead_minutes: int) -> int:
    """Remind partner and supervisor of a supervision block. Returns reminders sent."""
    return remind_block(session_id, lead_minutes)


@register_job(WEEK_TICK_JOB)
def supervision_week_tick() -> int:
    """The periodic look: book the next one, then request the placements due. Returns the
    placement jobs added to the outbox."""
    schedule_next_tick(WEEK_TICK_JOB)
    return request_placements(dt.datetime.now(dt.UTC))


register_periodic(WEEK_TICK_JOB, "TPM_PLACEMENT_INTERVAL_SECONDS")
