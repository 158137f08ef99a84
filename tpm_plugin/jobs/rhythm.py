"""The rhythm's notification jobs, booked by the sweep (:mod:`.sweep`); each calls one
service of :mod:`tpm_plugin.services.rhythm.notify`."""

from __future__ import annotations

from ..services.rhythm import notify
from ..services.rhythm.due import LOG_NUDGE_JOB, MEETING_REMINDER_JOB, REVIEW_DUE_JOB
from .registry import register_job


@register_job(MEETING_REMINDER_JOB)
def meeting_reminder(meeting_id: int, lead_minutes: int) -> int:
    """Remind the people of a coming meeting. Returns reminders sent."""
    return notify.remind_meeting(meeting_id, lead_minutes)


@register_job(LOG_NUDGE_JOB)
def meeting_log_nudge(meeting_id: int) -> int:
    """Nudge a partner to log a meeting. Returns nudges sent."""
    return notify.nudge_to_log(meeting_id)


@register_job(REVIEW_DUE_JOB)
def review_due(partnership_id: int, due_at: str, overdue: int) -> int:
    """Tell partner and supervisor a review is due (or a week overdue). Returns people told."""
    return notify.tell_review_due(partnership_id, due_at, overdue)
