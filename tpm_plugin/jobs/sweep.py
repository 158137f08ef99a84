"""The sweep: rebuild from the database every job that is due, and book each once.

Every ``TPM_SWEEP_INTERVAL_SECONDS`` rq's scheduler runs :func:`sweep_job` (a periodic job,
see :mod:`.periodic`). It flags the misses of weeks just ended, then reads open
partnerships in batches of ``TPM_SWEEP_BATCH_SIZE`` ids (so its memory is bounded by the
batch, not the center) and books each batch's due jobs (reminders, log nudges, reviews due,
see :mod:`tpm_plugin.services.rhythm.due`), then the reminders of the supervision blocks
within the horizon (:mod:`tpm_plugin.services.supervision_placement.reminders`), under fixed
job ids: a job due now goes on the queue, a later one on rq's scheduled registry until its
time.

Booking is one optimistic Redis transaction per batch: ``WATCH`` the batch's job keys, see
which are booked (a job hash alone is not: a worker killed between taking a job off the
queue and starting it leaves an orphan, see :mod:`.booking`), and in ``MULTI`` book the
others; if another sweep or a worker changed any of them meanwhile, ``EXEC`` fails and the
batch is looked at again. What holds:

* two sweeps at once book each job once, and after a Redis flush one sweep books every due
  job again, exactly once;
* a job a live worker is taking through rq's intermediate list is not booked again until
  rq itself would call it stuck (:data:`.booking.STUCK_AFTER` after rq's cleanup noted it);
* a job a worker popped with LPOP (a worker on several queues, Redis before 6.2) is in no
  list until it starts, so a sweep in that moment books it again and two runs of one job id
  may follow; rq's own cleanup of a stuck job racing a sweep's booking is another such
  moment. Nothing in Redis closes these; the send ledger does: each run holds its claim
  as itself, so the two runs notify once (:mod:`tpm_plugin.services.notifications`). A
  job's other effects (it only notifies, today) must be idempotent the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import current_app
from rq import Retry
from rq.job import Job, JobStatus

from ..services._unit import unit_of_work
from ..services.outbox import job_id_for
from ..services.rhythm import flag_missed_weeks, plan_meetings
from ..services.rhythm.clock import rhythm_now
from ..services.rhythm.due import (
    DueJob,
    SweepSettings,
    all_stage_rhythms,
    due_jobs,
    partnership_id_ranges,
)
from ..services.supervision_placement.reminders import due_block_reminders
from .booking import Booking, booking_states, forget_orphan
from .periodic import register_periodic, schedule_next_tick
from .queue import QueueBackend
from .registry import job_function, register_job
from .relay import retry_policy

SWEEP_JOB = "tpm.rhythm_sweep"
PLANNING_JOB = "tpm.plan_meetings"


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: weeks flagged as missed, jobs found due, jobs newly booked."""

    missed_weeks: int = 0
    due: int = 0
    booked: int = 0


def sweep(
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> SweepResult:
    """Flag missed weeks and book every due job that is not booked yet.

    Args:
        now: the sweep's clock (default: now); jobs due by ``now`` + ``TPM_SWEEP_HORIZON_HOURS``
            are booked.
        batch_size: partnerships per batch; default ``TPM_SWEEP_BATCH_SIZE``.
        on_batch: called with the number of partnerships after each batch (progress bars).

    Raises:
        redis.RedisError: Redis is unreachable (nothing is lost: the next sweep books it).
    """
    now = now or rhythm_now()
    batch_size = batch_size or current_app.config["TPM_SWEEP_BATCH_SIZE"]
    settings = SweepSettings.from_config()
    backend: QueueBackend = current_app.extensions["tpm"].queue
    missed = flag_missed_weeks(now)
    with unit_of_work():
        ranges = partnership_id_ranges(batch_size)
        rhythms = all_stage_rhythms()
    due = booked = 0
    for first, last in ranges:
        with unit_of_work():
            jobs = due_jobs(first, last, now, settings, rhythms)
        due += len(jobs)
        booked += book(backend, jobs, now)
        if on_batch is not None:
            on_batch(last - first + 1)
    # Supervision blocks belong to partners, not to one partnership: one read of those ahead.
    with unit_of_work():
        blocks = due_block_reminders(now, settings)
    return SweepResult(missed, due + len(blocks), booked + book(backend, blocks, now))


def plan_coming_week(
    *,
    now: dt.datetime | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Plan the coming week's meetings of every open partnership, batch by batch. Returns
    how many meetings were scheduled."""
    now = now or rhythm_now()
    batch_size = batch_size or current_app.config["TPM_SWEEP_BATCH_SIZE"]
    with unit_of_work():
        ranges = partnership_id_ranges(batch_size)
    planned = 0
    for first, last in ranges:
        planned += plan_meetings(first, last, now)
        if on_batch is not None:
            on_batch(last - first + 1)
    return planned


def book(backend: QueueBackend, jobs: list[DueJob], now: dt.datetime) -> int:
    """Book each of ``jobs`` under its fixed id unless a job of that id is booked: queued,
    scheduled, started, being taken by a worker, or done (see :mod:`.booking`). A job hash a
    killed worker left in no queue or registry, or stuck in rq's intermediate list, is
    booked again under the same id. Returns how many were booked.

    Without Redis (the embedded queue) there is no scheduler: jobs due now run in-process
    and later ones wait for a later sweep.
    """
    if backend.embedded:
        return _run_in_process(backend, [job for job in jobs if job.at <= now], now)
    if not jobs:
        return 0
    ids = [job_id_for(job.key) for job in jobs]
    keys = [Job.key_for(job_id) for job_id in ids]
    with backend.connection.pipeline() as transaction:
        while True:
            try:
                transaction.watch(*keys)
                states = booking_states(backend, ids)
                unbooked = [
                    (job, job_id, state)
                    for job, job_id, state in zip(jobs, ids, states, strict=True)
                    if state in (Booking.MISSING, Booking.ORPHANED)
                ]
                if not unbooked:
                    transaction.unwatch()
                    return 0
                transaction.multi()
                retry = retry_policy()
                for job, job_id, state in unbooked:
                    if state is Booking.ORPHANED:
                        forget_orphan(transaction, backend, job_id)
                    _add(backend, transaction, job, job_id, now, retry)
                transaction.execute()
                return len(unbooked)
            except redis.WatchError:
                continue


def _run_in_process(backend: QueueBackend, jobs: list[DueJob], now: dt.datetime) -> int:
    # One process, no scheduler: the embedded queue runs each job as it is enqueued.
    ran = 0
    for due in jobs:
        job_id = job_id_for(due.key)
        if not backend.connection.exists(Job.key_for(job_id)):
            backend.queue.enqueue_job(_job(backend, due, job_id, now, retry_policy()))
            ran += 1
    return ran


def _add(
    backend: QueueBackend,
    transaction: redis.client.Pipeline,
    due: DueJob,
    job_id: str,
    now: dt.datetime,
    retry: Retry | None,
) -> None:
    job = _job(backend, due, job_id, now, retry)
    if due.at > now:
        backend.queue.schedule_job(job, due.at, pipeline=transaction)
    else:
        # Our jobs have no dependencies. rq 2.0's enqueue_job calls MULTI on the pipeline
        # it is given, which fails inside ours; _enqueue_job (rq 2.0 to 3.x) adds the job
        # to the queue without that dependency step.
        backend.queue._enqueue_job(job, pipeline=transaction)


def _job(
    backend: QueueBackend, due: DueJob, job_id: str, now: dt.datetime, retry: Retry | None
) -> Job:
    later = due.at > now
    return backend.queue.create_job(
        job_function(due.job_name),
        kwargs=dict(due.kwargs),
        job_id=job_id,
        description=f"{due.job_name} {due.key}",
        retry=retry,
        status=JobStatus.SCHEDULED if later else JobStatus.QUEUED,
    )


@register_job(SWEEP_JOB)
def sweep_job() -> int:
    """The scheduled sweep: book the next run, then sweep. Returns the jobs booked."""
    schedule_next_tick(SWEEP_JOB)
    return sweep().booked


@register_job(PLANNING_JOB)
def planning_job() -> int:
    """The scheduled planning of the coming week's meetings. Returns meetings scheduled."""
    schedule_next_tick(PLANNING_JOB)
    return plan_coming_week()


register_periodic(SWEEP_JOB, "TPM_SWEEP_INTERVAL_SECONDS")
register_periodic(PLANNING_JOB, "TPM_PLANNING_INTERVAL_SECONDS")
