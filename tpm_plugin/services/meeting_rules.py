"""What makes a meeting one that can have happened: the rules every logged meeting obeys.

A meeting logged as held or as a no-show lies at or before now (give or take
``TPM_MEETING_CLOCK_SKEW_SECONDS``, for a device whose clock runs slightly ahead); it lies
within the partnership's life (not before it began, not after it ended); a held meeting
lasts at most ``TPM_MAX_MEETING_MINUTES``; and two held meetings of one partnership never
overlap (fidelity would count both). Each broken rule is a 422 naming its field, and
nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from .. import config
from ..errors import ValidationFailed
from ..models import Meeting, Partnership, utcnow
from ..schemas.records import MAX_MEETING_MINUTES

#: Statuses that say a meeting's time has come (held, or the client did not come).
HAPPENED = ("held", "no_show")


def clock_skew() -> dt.timedelta:
    """How far ahead of the server's clock a meeting may be logged as having happened."""
    return dt.timedelta(
        seconds=int(config.get(current_app.config, "TPM_MEETING_CLOCK_SKEW_SECONDS"))
    )


def check_meeting(
    session: Session,
    partnership: Partnership,
    meeting: dict[str, Any],
    *,
    replacing: int | None = None,
) -> None:
    """Refuse a meeting that cannot have happened as logged.

    Args:
        session: the service's session.
        partnership: the meeting's partnership.
        meeting: ``scheduled_at``, ``status`` and (held) ``minutes`` as they will be stored.
        replacing: the meeting this one replaces (its own id when its outcome is logged, or
            the one a correction supersedes), which it may overlap.

    Raises:
        ValidationFailed: naming each field at fault.
    """
    problems: dict[str, list[str]] = {}
    start: dt.datetime = meeting["scheduled_at"]
    status = meeting.get("status", "scheduled")
    now = utcnow()
    if status in HAPPENED and start > now + clock_skew():
        problems.setdefault("scheduled_at", []).append(
            f"A meeting logged as {status.replace('_', '-')} must have started by now "
            f"({_stamp(now)}); schedule it instead and log its outcome once it has begun."
        )
    if start < partnership.started_at:
        problems.setdefault("scheduled_at", []).append(
            f"Partnership {partnership.id} began at {_stamp(partnership.started_at)}; "
            "a meeting cannot be earlier."
        )
    if partnership.ended_at is not None and start > partnership.ended_at:
        problems.setdefault("scheduled_at", []).append(
            f"Partnership {partnership.id} ended at {_stamp(partnership.ended_at)}; "
            "a meeting cannot be later."
        )
    minutes = meeting.get("minutes")
    longest = int(config.get(current_app.config, "TPM_MAX_MEETING_MINUTES"))
    if minutes is not None and minutes > longest:
        problems.setdefault("minutes", []).append(
            f"A meeting lasts at most {longest} minutes (TPM_MAX_MEETING_MINUTES)."
        )
    if status == "held" and minutes is not None and "scheduled_at" not in problems:
        clash = _overlapping_held_meeting(session, partnership.id, start, minutes, replacing)
        if clash is not None:
            problems.setdefault("scheduled_at", []).append(
                f"Held meeting {clash} of this partnership overlaps this time; a partner and "
                "client are in one meeting at a time (correct that meeting instead)."
            )
    if problems:
        raise ValidationFailed("The meeting cannot have happened as logged.", fields=problems)


def check_outcome_time(meeting: Meeting, status: str) -> None:
    """A scheduled meeting is logged as held or a no-show only once it has started
    (a cancellation may be logged ahead).

    Raises:
        ValidationFailed: naming ``status``.
    """
    now = utcnow()
    if status in HAPPENED and meeting.scheduled_at > now + clock_skew():
        raise ValidationFailed(
            f"Meeting {meeting.id} has not started yet.",
            fields={
                "status": [
                    f"Meeting {meeting.id} is scheduled for {_stamp(meeting.scheduled_at)}; "
                    f"log it as {status.replace('_', '-')} once it has started."
                ]
            },
        )


def _overlapping_held_meeting(
    session: Session,
    partnership_id: int,
    start: dt.datetime,
    minutes: int,
    replacing: int | None,
) -> int | None:
    # Candidates start at most the longest storable meeting before this one ends, so the
    # window is bounded and the overlap test itself runs here, the same on every database.
    end = start + dt.timedelta(minutes=minutes)
    correction = aliased(Meeting)
    query = (
        select(Meeting.id, Meeting.scheduled_at, Meeting.minutes)
        .where(
            Meeting.partnership_id == partnership_id,
            Meeting.status == "held",
            Meeting.scheduled_at > start - dt.timedelta(minutes=MAX_MEETING_MINUTES),
            Meeting.scheduled_at <= end,
            ~exists().where(correction.supersedes_id == Meeting.id),
        )
        .order_by(Meeting.scheduled_at, Meeting.id)
    )
    if replacing is not None:
        query = query.where(Meeting.id != replacing)
    for other_id, other_start, other_minutes in session.execute(query):
        other_end = other_start + dt.timedelta(minutes=other_minutes or 0)
        if other_start == start or (other_start < end and start < other_end):
            return other_id
    return None


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="minutes")
