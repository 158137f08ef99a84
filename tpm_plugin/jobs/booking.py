"""Whether a job id is booked: a job hash in Redis is not enough.

An rq worker takes a job off its queue and only then registers it as started. A worker
killed between the two leaves the job's hash in Redis but the job in no queue or registry:
nobody will ever run it, yet "the job id exists". :func:`booking_states` tells such an
orphan apart from a job that will still run or has run:

* **booked**: the job is on its queue, in the scheduled registry, in the started registry
  (after rq's cleanup of jobs whose worker died), or finished, failed, stopped or
  cancelled (a failed job is the operator's to requeue: ``flask tpm jobs requeue``);
* **orphaned**: its hash exists but none of the above holds (also a job left only in rq's
  intermediate queue by a worker killed after the pop);
* **missing**: no hash (never booked, or Redis lost it).

The sweep books missing and orphaned jobs again under the same id; the send ledger keeps a
job that does run twice from notifying twice.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

import redis
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from .queue import QueueBackend

#: Statuses after which a job is done with, whatever registry it sits in.
_SETTLED = {
    JobStatus.FINISHED.value,
    JobStatus.FAILED.value,
    JobStatus.STOPPED.value,
    JobStatus.CANCELED.value,
}


class Booking(enum.Enum):
    """What Redis holds of one job id."""

    MISSING = "missing"
    ORPHANED = "orphaned"
    BOOKED = "booked"


def intermediate_key(backend: QueueBackend) -> str:
    """The list rq ≥ 2.1 moves a job to while a worker takes it (absent on rq 2.0)."""
    return f"{backend.queue.key}:intermediate"


def booking_states(backend: QueueBackend, job_ids: Sequence[str]) -> list[Booking]:
    """The :class:`Booking` of each of ``job_ids`` on ``backend``'s queue, in a constant
    number of round trips (read the state while WATCHing the job keys, so that a worker
    changing a job meanwhile makes the caller's transaction fail and look again).

    Raises:
        redis.RedisError: Redis is unreachable.
    """
    if not job_ids:
        return []
    queue = backend.queue
    scheduled = ScheduledJobRegistry(queue=queue).key
    with backend.connection.pipeline(transaction=False) as check:
        for job_id in job_ids:
            check.hget(Job.key_for(job_id), "status")
            check.zscore(scheduled, job_id)
        answers = check.execute()
    states: dict[str, Booking] = {}
    unsure = []
    for job_id, status, at in zip(job_ids, answers[::2], answers[1::2], strict=True):
        if status is None:
            # No status: no hash at all, or one rq never finished writing.
            states[job_id] = Booking.MISSING
        elif status.decode() in _SETTLED or at is not None:
            states[job_id] = Booking.BOOKED
        else:
            unsure.append(job_id)
    if unsure:
        # Only jobs neither settled nor scheduled are looked for on the queue (LPOS walks
        # it) and among the started. Reading the started registry also lets rq fail (and
        # retry) the jobs of workers that died.
        started = set(StartedJobRegistry(queue=queue).get_job_ids())
        with backend.connection.pipeline(transaction=False) as check:
            for job_id in unsure:
                check.lpos(queue.key, job_id)
            queued = check.execute()
        for job_id, position in zip(unsure, queued, strict=True):
            booked = position is not None or job_id in started
            states[job_id] = Booking.BOOKED if booked else Booking.ORPHANED
    return [states[job_id] for job_id in job_ids]


def first_seen_key(backend: QueueBackend, job_id: str) -> str:
    """Where rq's intermediate-queue cleanup (rq >= 2.1) notes when it first saw ``job_id``
    stuck there; a minute later it fails (and so retries) any job of that id it finds there."""
    return f"{intermediate_key(backend)}:first_seen:{job_id}"


def forget_orphan(transaction: redis.client.Pipeline, backend: QueueBackend, job_id: str) -> None:
    """In ``transaction``, drop what an orphan left (its hash, any place in rq's intermediate
    queue, and rq's note of when it first saw it there) so that booking it again starts clean.

    Without the note dropped, the job booked again under the same id would count as stuck
    for over a minute the moment a worker takes it, and rq would fail and requeue it while
    that worker runs it: two runs of one job id, one claimant in the send ledger."""
    transaction.delete(Job.key_for(job_id), first_seen_key(backend, job_id))
    transaction.lrem(intermediate_key(backend), 0, job_id)
