"""Reminders of supervision blocks, to the partner and the supervisor, at each lead time
of ``TPM_BLOCK_REMINDER_LEAD_MINUTES`` (on the program's wall clock).

The placement adds one reminder job per block part and lead time to the outbox, due at the
reminder's time; the job re-reads the block, so a block placed again, cancelled or already
begun sends nothing, and :func:`~tpm_plugin.services.notifications.send_once` keeps a job
run twice from reminding anyone twice. The database stays the source of truth: each sweep
rebuilds the block reminders due within its horizon (:func:`due_block_reminders`) under the
same job ids, so a Redis flush or a killed worker loses none and books none twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, select

from ...contacts import PARTNER, SUPERVISOR
from ...models import OutboxMessage, Program, SupervisionSession, Supervisor
from .._unit import session, unit_of_work
from ..notifications import send_once
from ..outbox import add_to_outbox
from ..rhythm.clock import rhythm_now
from ..rhythm.due import DueJob, SweepSettings, not_done, reminder_at

BLOCK_REMINDER_JOB = "tpm.block_reminder"
BLOCK_REMINDER_KIND = "supervision_reminder"


def book_block_reminders(sessions: list[SupervisionSession], zone: ZoneInfo) -> None:
    """Add the reminder jobs of freshly placed blocks to the outbox (caller's transaction;
    the sessions are flushed). Reminders whose time has passed are left out."""
    now = rhythm_now()
    wanted = {
        f"block-reminder-{_occurrence(row.id, row.scheduled_at, lead)}": (row, lead, at)
        for row in sessions
        for lead in current_app.config["TPM_BLOCK_REMINDER_LEAD_MINUTES"]
        if (at := reminder_at(row.scheduled_at, lead, zone)) > now
    }
    # The same block placed again at the same time keeps the reminders it has.
    booked = set(
        session().scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(sorted(wanted)))
        )
    )
    for key, (row, lead, at) in sorted(wanted.items()):
        if key not in booked:
            add_to_outbox(
                BLOCK_REMINDER_JOB,
                key,
                available_at=at,
                session_id=row.id,
                lead_minutes=lead,
            )


def due_block_reminders(now: dt.datetime, settings: SweepSettings) -> list[DueJob]:
    """The reminders of every placed block still ahead and still scheduled whose time falls
    by ``now`` + the sweep's horizon, less those the send ledger shows done. A reminder whose
    time has passed while its block is still ahead (lost with Redis, say) is due now."""
    leads = [int(minutes) for minutes in current_app.config["TPM_BLOCK_REMINDER_LEAD_MINUTES"]]
    until = now + settings.horizon
    rows = session().execute(
        _blocks_in_their_zone(SupervisionSession.id)
        .where(
            SupervisionSession.placed_week.is_not(None),
            SupervisionSession.status == "scheduled",
            SupervisionSession.scheduled_at > now,
            SupervisionSession.scheduled_at <= until + dt.timedelta(minutes=max(leads, default=0)),
        )
        .order_by(SupervisionSession.id)
    )
    jobs = []
    for session_id, partner_id, supervisor_id, starts_at, timezone, _, _ in rows:
        zone = ZoneInfo(timezone)
        recipients = (f"{PARTNER}-{partner_id}", f"{SUPERVISOR}-{supervisor_id}")
        for lead in leads:
            at = reminder_at(starts_at, lead, zone)
            if at > until:
                continue
            occurrence = _occurrence(session_id, starts_at, lead)
            jobs.append(
                DueJob(
                    BLOCK_REMINDER_JOB,
                    f"block-reminder-{occurrence}",
                    at,
                    {"session_id": session_id, "lead_minutes": lead},
                    BLOCK_REMINDER_KIND,
                    occurrence,
                    recipients,
                )
            )
    return not_done(jobs)


def _blocks_in_their_zone(*first: Any) -> Select:
    """Blocks with what a reminder needs: partner, supervisor, start, the program's zone."""
    return (
        select(
            *first,
            SupervisionSession.partner_id,
            SupervisionSession.supervisor_id,
            SupervisionSession.scheduled_at,
            Program.timezone,
            SupervisionSession.scheduled_minutes,
            SupervisionSession.status,
        )
        .join(Supervisor, Supervisor.id == SupervisionSession.supervisor_id)
        .join(Program, Program.id == Supervisor.program_id)
    )


def _occurrence(session_id: int, starts_at: dt.datetime, lead_minutes: int) -> str:
    # The start is part of it: a block placed again at another time is another reminder.
    return f"block-{session_id}-{starts_at.astimezone(dt.UTC):%Y%m%dT%H%M}-{lead_minutes}m"


def remind_block(session_id: int, lead_minutes: int) -> int:
    """Remind the partner and the supervisor of a block still ahead and still scheduled.
    Returns how many reminders this call sent."""
    with unit_of_work() as unit:
        row = unit.session.execute(
            _blocks_in_their_zone().where(SupervisionSession.id == session_id)
        ).first()
    if row is None or row.status != "scheduled" or row.scheduled_at <= rhythm_now():
        return 0
    context: dict[str, Any] = {
        # On the program's wall clock; the message writes it in the recipient's language.
        "starts_at": row.scheduled_at.astimezone(ZoneInfo(row.timezone)),
        "minutes": row.scheduled_minutes,
        "lead_minutes": lead_minutes,
    }
    occurrence = _occurrence(session_id, row.scheduled_at, lead_minutes)
    return sum(
        send_once(
            BLOCK_REMINDER_KIND,
            person_id,
            occurrence,
            role=role,
            template="supervision_reminder",
            context=context,
        )
        for role, person_id in ((PARTNER, row.partner_id), (SUPERVISOR, row.supervisor_id))
    )
