"""The outbox relay: committed outbox rows become rq jobs, each exactly once.

A relay pass takes due rows in batches. On PostgreSQL it claims them with ``SELECT … FOR
UPDATE SKIP LOCKED``, so relays running at once take disjoint rows; on SQLite the first
statement of the batch is a write, which makes SQLite's single writer serialize relays. It
enqueues each row with its deterministic job id (``<queue>-<dedupe_key>``) and marks the
rows relayed in the same transaction. A job id already in Redis is not enqueued again: a
relay that enqueued and then died before its commit leaves rows that the next relay marks
without a second job. With Redis down the batch rolls back and the rows wait.

With the embedded queue (no ``TPM_REDIS_URL``) jobs run in-process as they are enqueued and
open their own transactions, so there the batch commits first and its jobs run after.

The scheduler runs the relay as the job ``tpm.relay_outbox`` every
``TPM_RELAY_INTERVAL_SECONDS`` (see :mod:`.periodic`); ``flask tpm outbox relay`` runs it
by hand.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass

from flask import current_app
from rq import Retry
from rq.job import Job
from sqlalchemy import Row, select, update

from ..models import OutboxMessage
from ..models.base import utcnow
from ..services._unit import session, unit_of_work
from ..services.outbox import job_id_for
from .periodic import register_periodic, schedule_next_tick
from .queue import QueueBackend
from .registry import is_registered, job_function, register_job

log = logging.getLogger("tpm_plugin.jobs")

#: The periodic job that relays the outbox.
RELAY_JOB = "tpm.relay_outbox"


@dataclass(frozen=True)
class RelayResult:
    """What one relay pass did.

    Attributes:
        relayed: rows marked relayed.
        enqueued: jobs put on the queue (fewer when a job id was already in Redis).
        refused: rows naming a job that is not registered; kept with ``last_error`` set,
            never enqueued.
    """

    relayed: int = 0
    enqueued: int = 0
    refused: int = 0


def relay_outbox(
    *,
    batch_size: int | None = None,
    now: dt.datetime | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> RelayResult:
    """Relay every due outbox row, one transaction per batch.

    Args:
        batch_size: rows per transaction; default ``TPM_RELAY_BATCH_SIZE``.
        now: the time rows must be due by; default the current time.
        on_batch: called with the number of rows after each batch (progress bars).

    Raises:
        redis.RedisError: Redis is unreachable; the current batch is rolled back and its
            rows stay in the outbox for the next relay.
    """
    batch_size = batch_size or current_app.config["TPM_RELAY_BATCH_SIZE"]
    now = now or utcnow()
    backend: QueueBackend = current_app.extensions["tpm"].queue
    total = RelayResult()
    while True:
        batch = _relay_batch(backend, batch_size, now)
        total = RelayResult(*(a + b for a, b in zip(astuple(total), astuple(batch), strict=True)))
        if on_batch is not None and batch.relayed:
            on_batch(batch.relayed)
        if batch.relayed < batch_size:
            return total


def _relay_batch(backend: QueueBackend, batch_size: int, now: dt.datetime) -> RelayResult:
    with unit_of_work():
        rows = _claim_due_rows(batch_size, now)
        known = [row for row in rows if is_registered(row.job_name)]
        if len(known) < len(rows):
            _refuse([row for row in rows if not is_registered(row.job_name)])
        # Marked relayed by the claim itself: Redis hears of the rows before the commit,
        # and a failed enqueue rolls the marks back with it.
        enqueued = 0 if backend.embedded or not known else _enqueue(backend, known)
    if backend.embedded and known:  # each job runs in-process now, in its own transactions
        enqueued = _enqueue(backend, known)
    return RelayResult(len(rows), enqueued, len(rows) - len(known))


def _claim_due_rows(batch_size: int, now: dt.datetime) -> Sequence[Row]:
    """Mark a batch of due rows relayed and return them, in one statement. On PostgreSQL
    rows another relay holds are skipped; on SQLite the UPDATE takes the one write lock, so
    a second relay waits for this one's commit and then finds these rows relayed."""
    current = session()
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.relayed_at.is_(None), OutboxMessage.available_at <= now)
        .order_by(OutboxMessage.id)
        .limit(batch_size)
    )
    if current.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(relayed_at=utcnow(), attempts=OutboxMessage.attempts + 1, last_error=None)
        .returning(
            OutboxMessage.id,
            OutboxMessage.job_name,
            OutboxMessage.dedupe_key,
            OutboxMessage.payload,
        )
    )
    rows = current.execute(claimed, execution_options={"synchronize_session": False}).all()
    return sorted(rows, key=lambda row: row.id)


def _enqueue(backend: QueueBackend, rows: Sequence[Row]) -> int:
    queue = backend.queue
    prefix = job_id_for("")
    job_ids = [prefix + row.dedupe_key for row in rows]
    with backend.connection.pipeline(transaction=False) as pipeline:
        for job_id in job_ids:
            pipeline.exists(Job.key_for(job_id))
        already = pipeline.execute()
    retry = retry_policy()
    fresh = [
        {
            "func": job_function(row.job_name),
            "kwargs": dict(row.payload),
            "job_id": job_id,
            "description": f"{row.job_name} {row.dedupe_key}",
            "retry": retry,
        }
        for row, job_id, exists in zip(rows, job_ids, already, strict=True)
        if not exists
    ]
    if backend.embedded:  # enqueue_many does not run jobs in-process; enqueue_call does
        for job in fresh:
            queue.enqueue_call(**job)
    elif fresh:
        queue.enqueue_many([queue.prepare_data(**job) for job in fresh])
    return len(fresh)


def _refuse(rows: Sequence[Row]) -> None:
    # A name read from the database is never imported: a row naming no registered job is
    # kept, marked, for a developer to look at (``flask tpm outbox status`` counts them).
    for row in rows:
        log.warning("Outbox row %s names no registered job; not enqueued.", row.id)
    session().execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([row.id for row in rows]))
        .values(last_error="No job is registered under this job_name; it was not enqueued."),
        execution_options={"synchronize_session": False},
    )


def retry_policy() -> Retry | None:
    """The retries every job the plugin enqueues gets: one retry per interval of
    ``TPM_JOB_RETRY_INTERVALS`` (seconds), waiting each in turn; ``None`` when that list is
    empty (a failed job then goes straight to the failed registry)."""
    intervals = list(current_app.config["TPM_JOB_RETRY_INTERVALS"])
    return Retry(max=len(intervals), interval=intervals) if intervals else None


@register_job(RELAY_JOB)
def relay_job() -> int:
    """The scheduled relay: book the next run, then relay every due row. Returns the number
    of rows relayed."""
    schedule_next_tick(RELAY_JOB)
    return relay_outbox().relayed


register_periodic(RELAY_JOB, "TPM_RELAY_INTERVAL_SECONDS")
