"""Whether a job id is booked: a job hash in Redis is not enough.

An rq worker takes a job off its queue and only then registers it as started. A worker on
one queue (Redis 6.2 or later) moves the job to rq's intermediate list as it takes it; one
on several queues pops it with LPOP, after which the job is in no list at all until it is
registered. A worker killed in between leaves the job's hash in Redis and the job in no
queue or registry: nobody will ever run it, yet "the job id exists". :func:`booking_states`
tells such an orphan apart from a job that will still run or has run:

* **booked**: the job is on its queue, in the scheduled registry, in the started registry
  (after rq's cleanup of jobs whose worker died), or finished, failed, stopped or
  cancelled (a failed job is the operator's to requeue: ``flask tpm jobs requeue``);
* **taking**: it is in the intermediate list and rq would not call it stuck yet (a live
  worker is taking it): booked too, and not started yet;
* **orphaned**: its hash exists but none of the above holds: it is in no list, or it has
  sat in the intermediate list since rq's cleanup noted it there over :data:`STUCK_AFTER`
  ago (the rule by which rq itself fails such a job);
* **missing**: no hash (never booked, or Redis lost it).

The sweep books missing and orphaned jobs again under the same id. What that guarantees:

* a job in the intermediate list is never booked twice while a live worker takes it;
* a job popped with LPOP cannot be told from one whose worker died: a sweep in the few
  milliseconds between a live worker's pop and its start books it again, and two runs of
  one job id follow. The send ledger makes that safe: a claim is held per run, and a run
  resumes another run's claim only once rq no longer lists that run as started (see
  :mod:`tpm_plugin.services.notifications`), so the two runs notify once.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
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


#: How long rq lets a job sit in the intermediate list, from when its cleanup first noted it
#: there, before calling it stuck (``IntermediateQueue.should_be_cleaned_up``, rq 2.0 to 3.x).
STUCK_AFTER = dt.timedelta(minutes=1)


class Booking(enum.Enum):
    """What Redis holds of one job id."""

    MISSING = "missing"
    ORPHANED = "orphaned"
    #: In rq's intermediate list, not yet called stuck: a worker is taking it (booked).
    TAKING = "taking"
    BOOKED = "booked"


def intermediate_key(backend: QueueBackend) -> str:
    """The list rq moves a job to while a worker on that one queue takes it (a worker on
    several queues, or on Redis before 6.2, pops with LPOP and uses no such list)."""
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
        # it), in the intermediate list and among the started. Reading the started registry
        # also lets rq fail (and retry) the jobs of workers that died.
        started = set(StartedJobRegistry(queue=queue).get_job_ids())
        with backend.connection.pipeline(transaction=False) as check:
            for job_id in unsure:
                check.lpos(queue.key, job_id)
                check.lpos(intermediate_key(backend), job_id)
                check.get(first_seen_key(backend, job_id))
            answers = check.execute()
        stuck_since = time.time() - STUCK_AFTER.total_seconds()
        for job_id, queued, taking, seen in zip(
            unsure, answers[::3], answers[1::3], answers[2::3], strict=True
        ):
            if queued is not None or job_id in started:
                states[job_id] = Booking.BOOKED
            elif taking is not None:
                # A worker is taking it, unless rq itself would call it stuck.
                stuck = seen is not None and float(seen) < stuck_since
                states[job_id] = Booking.ORPHANED if stuck else Booking.TAKING
            else:
                states[job_id] = Booking.ORPHANED
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
