"""How the chaos run knows a step is over: nothing due is still to run.

A job is still to run while it is on the queue or in rq's started registry, or while a
worker has taken it off the queue and not yet registered it as started: rq keeps it in an
intermediate list meanwhile (in no list at all when it was popped with LPOP: a worker on
several queues, or Redis before 6.2), and a worker SIGKILLed in that
window leaves it there for good. So besides the queue and the started registry, the driver
asks the plugin's own :func:`~tpm_plugin.jobs.booking.booking_states` about every job due
at this instant: one that is orphaned (taken, never started) or missing is not done with.
The two lists are read in one ``MULTI`` before and again after that question, so a job
moving from one place to the next meanwhile is never missed.

A job that stops moving was abandoned by a killed worker. In production rq's maintenance and
the next periodic sweep (every ``TPM_SWEEP_INTERVAL_SECONDS``, minutes before a reminder's
meeting) pick it up; the driver does the same, at the same simulated instant, before it lets
the clock move on: :func:`recover` runs rq's own ``StartedJobRegistry.cleanup``, notes the
jobs still in the intermediate list (``Booking.TAKING``) as rq's cleanup does when it sees
them there, a minute back (the sweep books such a job again only once rq would call it
stuck), and runs a sweep, which books an orphan again under its id.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rq.registry import StartedJobRegistry

from tpm_plugin.jobs.booking import STUCK_AFTER, Booking, booking_states, first_seen_key
from tpm_plugin.jobs.queue import QueueBackend
from tpm_plugin.jobs.sweep import sweep


@dataclass(frozen=True)
class WorkLeft:
    """What is still to run on a queue: jobs queued, started executions, and the due jobs
    that are neither (taken by a worker that has not started them, or not booked at all)."""

    queued: int
    started: int
    unbooked: tuple[str, ...]

    @property
    def none(self) -> bool:
        """Whether everything due has run."""
        return not (self.queued or self.started or self.unbooked)


def work_left(backend: QueueBackend, due_ids: Sequence[str]) -> WorkLeft:
    """What is still to run on ``backend``'s queue, of all jobs and of ``due_ids``.

    Raises:
        redis.RedisError: Redis is unreachable.
    """
    before = _lists(backend)
    states = booking_states(backend, due_ids)
    after = _lists(backend)
    unbooked = tuple(
        job_id for job_id, state in zip(due_ids, states, strict=True) if state is not Booking.BOOKED
    )
    return WorkLeft(max(before[0], after[0]), max(before[1], after[1]), unbooked)


def _lists(backend: QueueBackend) -> tuple[int, int]:
    # One MULTI: a job leaving the queue for the started registry is seen in one of them.
    with backend.connection.pipeline(transaction=True) as snapshot:
        snapshot.llen(backend.queue.key)
        snapshot.zcard(StartedJobRegistry(queue=backend.queue).key)
        queued, started = snapshot.execute()
    return queued, started


def recover(backend: QueueBackend, left: WorkLeft, now: dt.datetime) -> None:
    """Pick up what killed workers abandoned, as rq's maintenance and the next periodic sweep
    would: started executions are retried by rq's own cleanup; due jobs taken and never
    started (or not booked) are booked again by a sweep at ``now``.

    Raises:
        redis.RedisError: Redis is unreachable.
    """
    if left.started:
        # Every started execution counts as expired: the driver only calls this once
        # nothing has moved for a while, long before rq's heartbeat would expire.
        StartedJobRegistry(queue=backend.queue).cleanup(timestamp=time.time() + 10**6)
    if left.unbooked:
        # Taken and never started, as far as the driver can wait: say so the way rq's own
        # intermediate-list cleanup does, a minute back, so that the sweep books it again.
        seen = time.time() - STUCK_AFTER.total_seconds() - 1
        states = booking_states(backend, left.unbooked)
        with backend.connection.pipeline(transaction=False) as note:
            for job_id, state in zip(left.unbooked, states, strict=True):
                if state is Booking.TAKING:
                    note.set(first_seen_key(backend, job_id), seen, ex=24 * 3600)
            note.execute()
        sweep(now=now)
