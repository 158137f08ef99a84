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
    # Reading the started registry also lets rq fail (and retry) the jobs of dead workers.
    started = set(StartedJobRegistry(queue=queue).get_job_ids())
    scheduled = ScheduledJobRegistry(queue=queue).key
    with backend.connection.pipeline(transaction=False) as check:
        for job_id in job_ids:
            check.hget(Job.key_for(job_id), "status")
            check.lpos(queue.key, job_id)
            check.zscore(scheduled, job_id)
        answers = check.execute()
    states = []
    for index, job_id in enumerate(job_ids):
        status, queued, at = answers[3 * index : 3 * index + 3]
        states.append(_state(job_id, status, queued, at, started))
    return states


def _state(
    job_id: str, status: bytes | None, queued: int | None, at: float | None, started: set[str]
) -> Booking:
    if status is None:
        # No status field: either no hash at all, or a hash rq never finished writing.
        return Booking.MISSING
    if status.decode() in _SETTLED or job_id in started or queued is not None or at is not None:
        return Booking.BOOKED
    return Booking.ORPHANED


def forget_orphan(transaction: redis.client.Pipeline, backend: QueueBackend, job_id: str) -> None:
    """In ``transaction``, drop what an orphan left (its hash and any place in rq's
    intermediate queue) so that booking it again starts clean."""
    transaction.delete(Job.key_for(job_id))
    transaction.lrem(intermediate_key(backend), 0, job_id)
