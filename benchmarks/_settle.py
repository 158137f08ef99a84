"""How the chaos run knows a step is over: nothing booked is still to run.

A job is still to run while it is on the queue, in rq's started registry, or in rq's
intermediate list (rq >= 2.1 moves a job there when a worker takes it, and only later
registers it as started; a worker killed in between leaves it there). The three are read in
one ``MULTI``, so a job moving from one to the next (or a retry moving it back to the queue)
is never missed between two reads. An intermediate entry whose job has settled (finished,
failed, ...) or whose hash is gone is a leftover, not work.

A job that stops moving was abandoned by a killed worker. In production rq's maintenance and
the next periodic sweep (every ``TPM_SWEEP_INTERVAL_SECONDS``, minutes before a reminder's
meeting) pick it up; the driver does the same, at the same simulated instant, before it lets
the clock move on: :func:`recover` runs rq's own ``StartedJobRegistry.cleanup`` and a sweep,
which books an orphan again under its id.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from rq.job import Job
from rq.registry import StartedJobRegistry

from tpm_plugin.jobs.booking import SETTLED, intermediate_key
from tpm_plugin.jobs.queue import QueueBackend
from tpm_plugin.jobs.sweep import sweep


@dataclass(frozen=True)
class WorkLeft:
    """What is still to run on a queue: jobs queued, started executions, and the ids of
    jobs a worker took but has not registered as started (or never will: it was killed)."""

    queued: int
    started: int
    taken: tuple[str, ...]

    @property
    def none(self) -> bool:
        """Whether everything booked has run."""
        return not (self.queued or self.started or self.taken)


def work_left(backend: QueueBackend) -> WorkLeft:
    """A consistent snapshot of what is still to run on ``backend``'s queue.

    Raises:
        redis.RedisError: Redis is unreachable.
    """
    queue = backend.queue
    started_key = StartedJobRegistry(queue=queue).key
    with queue.connection.pipeline(transaction=True) as snapshot:
        snapshot.llen(queue.key)
        snapshot.zcard(started_key)
        snapshot.lrange(intermediate_key(backend), 0, -1)
        queued, started, taken = snapshot.execute()
    taken_ids = [job_id.decode() for job_id in taken]
    if taken_ids:
        with queue.connection.pipeline(transaction=False) as check:
            for job_id in taken_ids:
                check.hget(Job.key_for(job_id), "status")
            statuses = check.execute()
        taken_ids = [
            job_id
            for job_id, status in zip(taken_ids, statuses, strict=True)
            if status is not None and status.decode() not in SETTLED
        ]
    return WorkLeft(queued, started, tuple(taken_ids))


def recover(backend: QueueBackend, left: WorkLeft, now: dt.datetime) -> None:
    """Pick up what killed workers abandoned, as rq's maintenance and the next periodic sweep
    would: started executions are retried by rq's own cleanup; jobs taken and never started
    are booked again by a sweep at ``now``. A taken job the sweep did not book again is no
    longer due (sent meanwhile, or its meeting changed): its entry is dropped, as rq's
    intermediate-queue cleanup would.

    Raises:
        redis.RedisError: Redis is unreachable.
    """
    queue = backend.queue
    if left.started:
        # Every started execution counts as expired: the driver only calls this once
        # nothing has moved for a while, long before rq's heartbeat would expire.
        StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 10**6)
    if left.taken:
        sweep(now=now)
        still = set(work_left(backend).taken) & set(left.taken)
        for job_id in still - set(queue.get_job_ids()):
            backend.connection.lrem(intermediate_key(backend), 0, job_id)
