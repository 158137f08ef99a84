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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask import current_app
from rq import Retry
from rq.job import Job
from sqlalchemy import select, update

from ..models import OutboxMessage
from ..models.base import utcnow
from ..services._unit import session, unit_of_work
from ..services.outbox import job_id_for
from .periodic import register_periodic, schedule_next_tick
from .queue import QueueBackend
from .registry import job_function, register_job

#: The periodic job that relays the outbox.
RELAY_JOB = "tpm.relay_outbox"

#: ``Job.meta`` key holding the registered job name (``flask tpm jobs failed`` shows it).
JOB_NAME_META = "tpm_job"


@dataclass(frozen=True)
class RelayResult:
    """What one relay pass did.

    Attributes:
        relayed: rows marked relayed.
        enqueued: jobs put on the queue (fewer when a job id was already in Redis).
    """

    relayed: int = 0
    enqueued: int = 0


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
    relayed = enqueued = 0
    while True:
        count, jobs = _relay_batch(backend, batch_size, now)
        relayed += count
        enqueued += jobs
        if on_batch is not None and count:
            on_batch(count)
        if count < batch_size:
            return RelayResult(relayed, enqueued)


def _relay_batch(backend: QueueBackend, batch_size: int, now: dt.datetime) -> tuple[int, int]:
    with unit_of_work():
        rows = _claim_due_rows(batch_size, now)
        if not rows:
            return 0, 0
        if backend.embedded:
            _mark_relayed(rows)
            run_after = rows
        else:
            enqueued = _enqueue(backend, rows)
            _mark_relayed(rows)
            run_after = []
    if run_after:  # embedded: each job runs in-process now, in its own transactions
        enqueued = _enqueue(backend, run_after)
    return len(rows), enqueued


def _claim_due_rows(batch_size: int, now: dt.datetime) -> Sequence[OutboxMessage]:
    current = session()
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.relayed_at.is_(None), OutboxMessage.available_at <= now)
        .order_by(OutboxMessage.id)
        .limit(batch_size)
    )
    if current.get_bind().dialect.name == "postgresql":
        claimed = (
            select(OutboxMessage)
            .where(OutboxMessage.relayed_at.is_(None), OutboxMessage.available_at <= now)
            .order_by(OutboxMessage.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        return current.scalars(claimed).all()
    # SQLite: writing first takes the database's one write lock, so a second relay waits
    # here and then sees these rows relayed.
    current.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(due.scalar_subquery()))
        .values(attempts=OutboxMessage.attempts + 1),
        execution_options={"synchronize_session": False},
    )
    return current.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(due))).all()


def _enqueue(backend: QueueBackend, rows: Sequence[OutboxMessage]) -> int:
    queue = backend.queue
    job_ids = [job_id_for(row.dedupe_key) for row in rows]
    with backend.connection.pipeline(transaction=False) as pipeline:
        for job_id in job_ids:
            pipeline.exists(Job.key_for(job_id))
        already = pipeline.execute()
    retry = _retry_policy()
    fresh = [
        {
            "func": job_function(row.job_name),
            "kwargs": dict(row.payload),
            "job_id": job_id,
            "description": f"{row.job_name} {row.dedupe_key}",
            "meta": {JOB_NAME_META: row.job_name},
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


def _mark_relayed(rows: Sequence[OutboxMessage]) -> None:
    now = utcnow()
    session().execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([row.id for row in rows]))
        .values(relayed_at=now, last_error=None),
        execution_options={"synchronize_session": False},
    )


def _retry_policy() -> Retry | None:
    intervals = list(current_app.config["TPM_JOB_RETRY_INTERVALS"])
    return Retry(max=len(intervals), interval=intervals) if intervals else None


@register_job(RELAY_JOB)
def relay_job() -> int:
    """The scheduled relay: book the next run, then relay every due row. Returns the number
    of rows relayed."""
    schedule_next_tick(RELAY_JOB)
    return relay_outbox().relayed


register_periodic(RELAY_JOB, "TPM_RELAY_INTERVAL_SECONDS")
