"""Sending what the sweep booked: meeting reminders, log nudges, reviews due.

Each function re-reads the database when its job runs, so a meeting cancelled, logged or
corrected meanwhile, a partnership closed, or a review held since booking sends nothing.
Every message goes through :func:`tpm_plugin.services.notifications.send_once`, keyed by
(kind, recipient, occurrence), so a job run twice notifies nobody twice. Messages carry a
local time at most, never care details.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ...contacts import GUARDIAN, PARTNER, SUPERVISOR
from ...models import Client, Meeting, Partnership, Program, Review
from .._unit import unit_of_work
from ..notifications import send_once
from .cadence import review_every_weeks, stage_rhythms
from .clock import rhythm_now
from .due import (
    NUDGE_KIND,
    OVERDUE_AFTER,
    REMINDER_KIND,
    REVIEW_DUE_KIND,
    REVIEW_OVERDUE_KIND,
    reminder_occurrence,
    review_due_at,
    review_occurrence,
)


def remind_meeting(meeting_id: int, lead_minutes: int) -> int:
    """Remind the partner (and, where the program says so, a minor client's guardian) of a
    meeting still ahead. Returns how many reminders this call sent."""
    with unit_of_work() as unit:
        row = unit.session.execute(
            _open_meeting(meeting_id)
            .add_columns(
                Client.id.label("client_id"),
                (Program.remind_guardians & Client.is_minor).label("guardian"),
            )
            .join(Client, Client.id == Partnership.client_id)
        ).first()
    if row is None or row.scheduled_at <= rhythm_now() or row.partner_id is None:
        return 0
    recipients = [(PARTNER, row.partner_id)]
    if row.guardian:
        recipients.append((GUARDIAN, row.client_id))
    context = {"starts_at": _local(row.scheduled_at, row.timezone), "lead_minutes": lead_minutes}
    occurrence = reminder_occurrence(meeting_id, lead_minutes)
    return sum(
        send_once(
            REMINDER_KIND,
            person_id,
            occurrence,
            role=role,
            template="meeting_reminder",
            context=context,
        )
        for role, person_id in recipients
    )


def nudge_to_log(meeting_id: int) -> int:
    """Nudge the partner to log a meeting that is still only scheduled. Returns 1 if this
    call sent the nudge, else 0."""
    with unit_of_work() as unit:
        row = unit.session.execute(_open_meeting(meeting_id)).first()
    if row is None or row.partner_id is None:
        return 0
    return int(
        send_once(
            NUDGE_KIND,
            row.partner_id,
            f"meeting-{meeting_id}",
            role=PARTNER,
            template="meeting_log_nudge",
            context={"started_at": _local(row.scheduled_at, row.timezone)},
        )
    )


def tell_review_due(partnership_id: int, due_at: str, overdue: int) -> int:
    """Tell the partner and supervisor that a review is due (``overdue``: a week overdue),
    unless a review was held or the stage changed since. Returns how many were told."""
    booked = dt.datetime.fromisoformat(due_at)
    with unit_of_work() as unit:
        partnership = unit.session.scalars(
            select(Partnership).where(
                Partnership.id == partnership_id, Partnership.ended_at.is_(None)
            )
        ).first()
        if partnership is None:
            return 0
        rhythms = stage_rhythms([(partnership.workflow_key, partnership.workflow_version)])
        every = review_every_weeks(
            rhythms, partnership.workflow_key, partnership.workflow_version, partnership.stage
        )
        last_review = unit.session.scalar(
            select(Review.held_at)
            .where(Review.partnership_id == partnership_id)
            .order_by(Review.held_at.desc())
            .limit(1)
        )
        people = [(PARTNER, partnership.partner_id), (SUPERVISOR, partnership.supervisor_id)]
        entered = partnership.stage_entered_at
    if every is None or review_due_at(entered, last_review, every) != booked:
        return 0
    kind = REVIEW_OVERDUE_KIND if overdue else REVIEW_DUE_KIND
    context = {
        "due_on": booked.date(),
        "overdue_since": (booked + OVERDUE_AFTER).date() if overdue else None,
    }
    return sum(
        send_once(
            kind,
            person_id,
            review_occurrence(partnership_id, booked),
            role=role,
            template=kind,
            context=context,
        )
        for role, person_id in people
        if person_id is not None
    )


def _open_meeting(meeting_id: int):
    """A still-scheduled, uncorrected meeting of an open partnership, with its partner and
    program timezone."""
    newer = aliased(Meeting)
    return (
        select(Meeting.scheduled_at, Partnership.partner_id, Program.timezone)
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .join(Program, Program.id == Partnership.program_id)
        .outerjoin(newer, newer.supersedes_id == Meeting.id)
        .where(
            Meeting.id == meeting_id,
            Meeting.status == "scheduled",
            newer.id.is_(None),
            Partnership.ended_at.is_(None),
        )
    )


def _local(instant: dt.datetime, timezone: str) -> dt.datetime:
    # On the program's wall clock; the message writes it in the recipient's language.
    return instant.astimezone(ZoneInfo(timezone))
