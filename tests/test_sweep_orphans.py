"""A worker killed between taking a job off the queue and starting it leaves the job's hash
in Redis but the job in no queue or registry. The sweep must not take that hash for a booked
job: one sweep books it again, exactly once, and the send ledger still sends once. Against a
throwaway redis-server; the pop is rq's own."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from flask import Flask
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from tpm_plugin.jobs.booking import Booking, booking_states, first_seen_key, intermediate_key
from tpm_plugin.jobs.queue import QueueBackend
from tpm_plugin.jobs.sweep import sweep
from tpm_plugin.services.outbox import job_id_for

from .conftest import BACKENDS, _dispose
from .hostapp import create_host_app
from .test_sweep import NOW, _center
from .throwaway_redis import ThrowawayRedis

#: Past the 24-hour reminder of the meetings ``_center`` makes, so that reminder is due now
#: and goes straight onto the queue (the 1-hour one waits in the scheduled registry).
LATER = NOW + dt.timedelta(hours=7)


@pytest.fixture
def rhythm_app(database_url: str, throwaway_redis: ThrowawayRedis, queue_name: str):
    app = create_host_app(
        database_url, TPM_REDIS_URL=throwaway_redis.url, TPM_QUEUE_NAME=queue_name
    )
    with app.app_context():
        yield app
    _dispose(app)


def _queue(app: Flask) -> Queue:
    return app.extensions["tpm"].queue.queue


def _pop_like_a_killed_worker(app: Flask) -> str:
    """Take the next job off the queue the way a worker does, and then do nothing more (the
    worker was SIGKILLed before registering the job as started)."""
    queue = _queue(app)
    popped = Queue.dequeue_any([queue], None, connection=queue.connection)
    assert popped is not None
    job, _ = popped
    return job.id


def _times_queued(app: Flask, job_id: str) -> int:
    return _queue(app).get_job_ids().count(job_id)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_job_orphaned_by_a_killed_pop_is_booked_again_by_one_sweep_exactly_once(
    rhythm_app: Flask,
):
    [meeting] = _center(1)
    job_id = job_id_for(f"reminder-{meeting}-1440m")
    assert sweep(now=LATER).booked == 2
    assert _pop_like_a_killed_worker(rhythm_app) == job_id
    backend = rhythm_app.extensions["tpm"].queue
    assert backend.connection.exists(Job.key_for(job_id))
    assert _times_queued(rhythm_app, job_id) == 0
    _note_stuck(backend, job_id, seconds_ago=61)  # rq's cleanup saw it there a minute ago
    assert booking_states(backend, [job_id]) == [Booking.ORPHANED]

    restored = sweep(now=LATER)

    assert (restored.due, restored.booked) == (2, 1)
    assert _times_queued(rhythm_app, job_id) == 1
    assert booking_states(backend, [job_id]) == [Booking.BOOKED]
    assert sweep(now=LATER).booked == 0
    assert _times_queued(rhythm_app, job_id) == 1


def test_a_job_a_worker_is_taking_is_not_booked_again_until_rq_calls_it_stuck(
    rhythm_app: Flask,
):
    """Popped into rq's intermediate list and not yet registered as started: a live worker
    is between its pop and its start. Booking it again then would run it twice."""
    [meeting] = _center(1)
    job_id = job_id_for(f"reminder-{meeting}-1440m")
    sweep(now=LATER)
    assert _pop_like_a_killed_worker(rhythm_app) == job_id
    backend = rhythm_app.extensions["tpm"].queue
    assert backend.connection.lpos(intermediate_key(backend), job_id) is not None

    assert booking_states(backend, [job_id]) == [Booking.TAKING]
    assert sweep(now=LATER).booked == 0
    _note_stuck(backend, job_id, seconds_ago=30)  # rq's cleanup saw it, not a minute ago
    assert sweep(now=LATER).booked == 0
    assert _times_queued(rhythm_app, job_id) == 0
    _note_stuck(backend, job_id, seconds_ago=61)
    assert sweep(now=LATER).booked == 1
    assert _times_queued(rhythm_app, job_id) == 1


def _note_stuck(backend: QueueBackend, job_id: str, *, seconds_ago: float) -> None:
    # What rq's intermediate-queue cleanup writes the first time it sees the job there.
    backend.connection.set(first_seen_key(backend, job_id), time.time() - seconds_ago)


def test_an_orphan_hash_written_without_any_queue_is_booked_again(rhythm_app: Flask):
    [meeting] = _center(1)
    job_id = job_id_for(f"reminder-{meeting}-1440m")
    sweep(now=NOW)  # booked in the scheduled registry for NOW + 6 h
    queue = _queue(rhythm_app)
    ScheduledJobRegistry(queue=queue).remove(job_id)
    assert queue.connection.exists(Job.key_for(job_id))

    assert sweep(now=NOW).booked == 1
    assert ScheduledJobRegistry(queue=queue).get_job_ids() == [job_id]
    assert sweep(now=NOW).booked == 0


def test_queued_scheduled_and_finished_jobs_count_as_booked(rhythm_app: Flask):
    meetings = _center(3)
    ids = [job_id_for(f"reminder-{m}-1440m") for m in meetings]
    sweep(now=NOW)
    backend = rhythm_app.extensions["tpm"].queue
    queue = backend.queue
    # One moved from scheduled to the queue, one run to the end.
    ScheduledJobRegistry(queue=queue).remove(ids[1])
    queue.connection.rpush(queue.key, ids[1])
    ScheduledJobRegistry(queue=queue).remove(ids[2])
    Job.fetch(ids[2], queue.connection).set_status(JobStatus.FINISHED)
    assert booking_states(backend, ids) == [Booking.BOOKED] * 3
    assert booking_states(backend, [job_id_for("reminder-0-60m")]) == [Booking.MISSING]
    assert sweep(now=NOW).booked == 0


def test_booking_an_orphan_again_drops_rqs_note_that_it_was_stuck(rhythm_app: Flask):
    """rq's intermediate-queue cleanup notes when it first saw a job stuck there and, a
    minute later, fails (retries) any job of that id it finds there. The orphan booked again
    keeps its id: left behind, the note would make rq requeue it the moment a worker takes
    it, while that worker runs it."""
    [meeting] = _center(1)
    job_id = job_id_for(f"reminder-{meeting}-1440m")
    sweep(now=LATER)
    assert _pop_like_a_killed_worker(rhythm_app) == job_id
    backend = rhythm_app.extensions["tpm"].queue
    note = first_seen_key(backend, job_id)
    backend.connection.set(note, 1.0)  # seen long ago, as rq's maintenance writes it

    assert sweep(now=LATER).booked == 1

    assert not backend.connection.exists(note)
    assert _times_queued(rhythm_app, job_id) == 1
