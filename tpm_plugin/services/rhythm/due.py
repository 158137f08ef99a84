"""What is due, rebuilt from the database: meeting reminders, log nudges, reviews due.

The sweep (:mod:`tpm_plugin.jobs.sweep`) reads open partnerships in batches of ids and asks
:func:`due_jobs` for each batch. Each due job has a fixed key (its rq job id), so booking it
twice books it once, and it is left out once the send ledger holds a final answer for every
recipient. Times are reckoned on the program's wall clock (:mod:`.local_time`).

* **Meeting reminders**: for each scheduled meeting still ahead, one job per lead in
  ``TPM_REMINDER_LEAD_MINUTES``, at the meeting's wall time minus the lead; to the partner,
  and to a minor client's guardian where the program has ``remind_guardians`` on.
* **Log nudges**: a scheduled meeting still not logged ``TPM_LOG_NUDGE_AFTER_MINUTES`` after
  its end (``TPM_MEETING_MINUTES`` after its start) nudges its partner once; meetings more
  than :data:`NUDGE_LOOKBACK` past are left alone.
* **Reviews due**: in a stage whose cadence sets ``review_every_weeks``, a review falls due
  that many weeks after the later of entering the stage and the last review; the partner
  and supervisor are told when it falls due and again a week later if no review was held.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import String, and_, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased

from ...contacts import GUARDIAN, PARTNER, SUPERVISOR
from ...models import (
    Client,
    Meeting,
    NotificationLedger,
    Partnership,
    Program,
    Review,
    Workflow,
    WorkflowVersion,
)
from .._unit import session
from ..notifications.ledger import NO_CONTACT, SENT
from .cadence import Rhythms, review_every_weeks, stage_rhythms
from .local_time import instant_of, wall_time

MEETING_REMINDER_JOB = "tpm.meeting_reminder"
LOG_NUDGE_JOB = "tpm.meeting_log_nudge"
REVIEW_DUE_JOB = "tpm.review_due"

#: Notification kinds (the send ledger's first key part).
REMINDER_KIND = "meeting_reminder"
NUDGE_KIND = "meeting_log_nudge"
REVIEW_DUE_KIND = "review_due"
REVIEW_OVERDUE_KIND = "review_overdue"

#: How far back an unlogged meeting still earns its nudge (after an outage, say).
NUDGE_LOOKBACK = dt.timedelta(days=7)

#: A review a week past due is overdue.
OVERDUE_AFTER = dt.timedelta(weeks=1)


@dataclass(frozen=True)
class DueJob:
    """One job to book: its registered name, fixed key, time and id-only arguments.

    ``kind``, ``occurrence`` and ``recipients`` (ledger refs such as ``"partner-12"``) say
    which ledger rows mark it done.
    """

    job_name: str
    key: str
    at: dt.datetime
    kwargs: Mapping[str, int | str]
    kind: str
    occurrence: str
    recipients: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SweepSettings:
    """The sweep's clock settings, read from config once per sweep."""

    leads: tuple[int, ...]
    meeting_minutes: int
    nudge_after_minutes: int
    horizon: dt.timedelta

    @classmethod
    def from_config(cls) -> SweepSettings:
        """The settings of the current app."""
        config = current_app.config
        return cls(
            leads=tuple(int(minutes) for minutes in config["TPM_REMINDER_LEAD_MINUTES"]),
            meeting_minutes=int(config["TPM_MEETING_MINUTES"]),
            nudge_after_minutes=int(config["TPM_LOG_NUDGE_AFTER_MINUTES"]),
            horizon=dt.timedelta(hours=int(config["TPM_SWEEP_HORIZON_HOURS"])),
        )

    @property
    def nudge_delay(self) -> dt.timedelta:
        """From a meeting's start to its log nudge."""
        return dt.timedelta(minutes=self.meeting_minutes + self.nudge_after_minutes)


def reminder_at(starts_at: dt.datetime, lead_minutes: int, zone: ZoneInfo) -> dt.datetime:
    """When the reminder ``lead_minutes`` before a meeting goes out: that far back on the
    wall clock, at the next valid instant if the clocks skip it."""
    wall = wall_time(starts_at, zone) - dt.timedelta(minutes=lead_minutes)
    return instant_of(wall, zone)


def reminder_occurrence(meeting_id: int, lead_minutes: int) -> str:
    """The ledger occurrence of one reminder of one meeting."""
    return f"meeting-{meeting_id}-{lead_minutes}m"


def review_due_at(
    stage_entered_at: dt.datetime, last_review_at: dt.datetime | None, every_weeks: int
) -> dt.datetime:
    """When the next review falls due: ``every_weeks`` after the later of entering the
    stage and the last review."""
    base = max(stage_entered_at, last_review_at or stage_entered_at)
    return base + dt.timedelta(weeks=every_weeks)


def review_occurrence(partnership_id: int, due_at: dt.datetime) -> str:
    """The ledger occurrence of one due review."""
    return f"partnership-{partnership_id}-review-{due_at:%Y%m%dT%H%M}"


def partnership_id_ranges(batch_size: int) -> list[tuple[int, int]]:
    """Consecutive id ranges of at most ``batch_size`` partnerships each, covering every
    open partnership (one read; the ranges themselves hold no rows)."""
    lowest, highest = (
        session()
        .execute(
            select(func.min(Partnership.id), func.max(Partnership.id)).where(
                Partnership.ended_at.is_(None)
            )
        )
        .one()
    )
    if lowest is None:
        return []
    return [
        (first, min(first + batch_size - 1, highest))
        for first in range(lowest, highest + 1, batch_size)
    ]


def due_jobs(
    first_id: int,
    last_id: int,
    now: dt.datetime,
    settings: SweepSettings,
    rhythms: Rhythms | None = None,
) -> list[DueJob]:
    """Every job due by ``now`` + the horizon for the open partnerships with ids in
    [``first_id``, ``last_id``], less those the ledger shows done.

    Args:
        rhythms: the stage rhythms of every published version (:func:`all_stage_rhythms`),
            read once per sweep; default: read them now.
    """
    in_batch = and_(Partnership.id.between(first_id, last_id), Partnership.ended_at.is_(None))
    rhythms = all_stage_rhythms() if rhythms is None else rhythms
    jobs = [
        *_meeting_jobs(in_batch, now, settings),
        *_review_jobs(in_batch, now, settings, rhythms),
    ]
    return not_done(jobs)


def all_stage_rhythms() -> Rhythms:
    """The stage rhythms of every published workflow version (they never change)."""
    versions = session().execute(
        select(Workflow.key, WorkflowVersion.version).join(
            WorkflowVersion, WorkflowVersion.workflow_id == Workflow.id
        )
    )
    return stage_rhythms((key, version) for key, version in versions)


def _meeting_jobs(in_batch, now: dt.datetime, settings: SweepSettings) -> Iterable[DueJob]:
    newer = aliased(Meeting)
    longest_lead = dt.timedelta(minutes=max(settings.leads, default=0))
    rows = session().execute(
        select(
            Meeting.id,
            Meeting.scheduled_at,
            Partnership.partner_id,
            Partnership.client_id,
            Program.timezone,
            and_(Program.remind_guardians, Client.is_minor).label("guardian"),
        )
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .join(Program, Program.id == Partnership.program_id)
        .join(Client, Client.id == Partnership.client_id)
        .outerjoin(newer, newer.supersedes_id == Meeting.id)
        .where(
            in_batch,
            Meeting.status == "scheduled",
            newer.id.is_(None),
            Meeting.scheduled_at > now - NUDGE_LOOKBACK - settings.nudge_delay,
            Meeting.scheduled_at <= now + settings.horizon + longest_lead,
        )
    )
    until = now + settings.horizon
    for meeting_id, starts_at, partner_id, client_id, timezone, guardian in rows:
        if partner_id is None:
            continue
        partner = f"{PARTNER}-{partner_id}"
        if starts_at > now:
            recipients = (partner, f"{GUARDIAN}-{client_id}") if guardian else (partner,)
            zone = ZoneInfo(timezone)
            for lead in settings.leads:
                at = reminder_at(starts_at, lead, zone)
                if at <= until:
                    occurrence = reminder_occurrence(meeting_id, lead)
                    yield DueJob(
                        MEETING_REMINDER_JOB,
                        f"reminder-{meeting_id}-{lead}m",
                        at,
                        {"meeting_id": meeting_id, "lead_minutes": lead},
                        REMINDER_KIND,
                        occurrence,
                        recipients,
                    )
        nudge_at = starts_at + settings.nudge_delay
        if now - NUDGE_LOOKBACK <= nudge_at <= until:
            yield DueJob(
                LOG_NUDGE_JOB,
                f"log-nudge-{meeting_id}",
                nudge_at,
                {"meeting_id": meeting_id},
                NUDGE_KIND,
                f"meeting-{meeting_id}",
                (partner,),
            )


def _review_jobs(
    in_batch, now: dt.datetime, settings: SweepSettings, rhythms: Rhythms
) -> Iterable[DueJob]:
    until = now + settings.horizon
    # A review falls due no sooner than N weeks after entering the stage: only partnerships
    # that entered a reviewing stage at least N weeks before the horizon's end can be due.
    candidates = [
        and_(
            Partnership.workflow_key == key,
            Partnership.workflow_version == version,
            Partnership.stage == stage,
            Partnership.stage_entered_at <= until - dt.timedelta(weeks=rhythm.review_every_weeks),
        )
        for (key, version), stages in rhythms.items()
        for stage, rhythm in stages.items()
        if rhythm.review_every_weeks and not rhythm.terminal
    ]
    if not candidates:
        return
    last_review = (
        select(func.max(Review.held_at))
        .where(Review.partnership_id == Partnership.id)
        .scalar_subquery()
    )
    rows = session().execute(
        select(
            Partnership.id,
            Partnership.partner_id,
            Partnership.supervisor_id,
            Partnership.stage,
            Partnership.workflow_key,
            Partnership.workflow_version,
            Partnership.stage_entered_at,
            last_review.label("last_review"),
        ).where(in_batch, or_(*candidates))
    )
    for row in rows:
        every = review_every_weeks(rhythms, row.workflow_key, row.workflow_version, row.stage)
        due_at = review_due_at(row.stage_entered_at, row.last_review, every)
        recipients = tuple(
            f"{role}-{person}"
            for role, person in ((PARTNER, row.partner_id), (SUPERVISOR, row.supervisor_id))
            if person is not None
        )
        occurrence = review_occurrence(row.id, due_at)
        for kind, at, overdue in (
            (REVIEW_DUE_KIND, due_at, 0),
            (REVIEW_OVERDUE_KIND, due_at + OVERDUE_AFTER, 1),
        ):
            if at <= until:
                yield DueJob(
                    REVIEW_DUE_JOB,
                    f"{kind.replace('_', '-')}-{row.id}-{due_at:%Y%m%dT%H%M}",
                    at,
                    {"partnership_id": row.id, "due_at": due_at.isoformat(), "overdue": overdue},
                    kind,
                    occurrence,
                    recipients,
                )


def not_done(jobs: list[DueJob]) -> list[DueJob]:
    """``jobs`` less those whose every recipient the ledger shows sent (or unreachable); one
    statement."""
    if not jobs:
        return []
    occurrences = sorted({job.occurrence for job in jobs})
    kinds = sorted({job.kind for job in jobs})
    current = session()
    if current.get_bind().dialect.name == "postgresql":
        # One array parameter: a long IN list costs more to send and plan than to run.
        listed = NotificationLedger.occurrence == any_(
            bindparam("occurrences", occurrences, type_=ARRAY(String))
        )
    else:
        listed = NotificationLedger.occurrence.in_(occurrences)
    done: dict[tuple[str, str], set[str]] = defaultdict(set)
    for kind, occurrence, recipient in current.execute(
        select(
            NotificationLedger.kind, NotificationLedger.occurrence, NotificationLedger.recipient_ref
        ).where(
            listed,
            NotificationLedger.kind.in_(kinds),
            NotificationLedger.status.in_((SENT, NO_CONTACT)),
        )
    ):
        done[kind, occurrence].add(recipient)
    return [job for job in jobs if not set(job.recipients) <= done[job.kind, job.occurrence]]
