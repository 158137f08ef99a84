"""A worker killed between taking a job off the queue and starting it leaves the job's hash
in Redis but the job in no queue or registry. The sweep must not take that hash for a booked
job: one sweep books it again, exactly once, and the send ledger still sends once. A job a
live worker is taking (in rq's intermediate list) is not booked again until rq would call it
stuck; one popped with LPOP cannot be told from an orphan, so the two runs of its id that
follow must notify once. Against a throwaway redis-server; the pop is rq's own."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from rq import Queue
from rq.executions import Execution
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry

from tpm_plugin.contacts import Contact
from tpm_plugin.jobs.booking import Booking, booking_states, first_seen_key, intermediate_key
from tpm_plugin.jobs.queue import QueueBackend
from tpm_plugin.jobs.sweep import sweep
from tpm_plugin.services.outbox import job_id_for

from .conftest import BACKENDS, _dispose
from .hostapp import create_host_app
from .receivers import WEBHOOK_SECRET, WebhookReceiver
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


# -- Two runs of one job id ----------------------------------------------------------------
# A worker listening on several queues (or any worker on rq without the intermediate list)
# pops with LPOP: between the pop and the job's registration as started, the job is in no
# list at all, and a sweep in that window books it again under the same id. Both copies run.


@pytest.fixture
def sending_app(
    database_url: str, throwaway_redis: ThrowawayRedis, queue_name: str
) -> Iterator[tuple[Flask, WebhookReceiver]]:
    """A host app (on PostgreSQL: two runs at once need a database that takes concurrent
    writers), its own Redis, and a webhook receiver counting what arrives."""
    with WebhookReceiver() as receiver:
        app = create_host_app(
            database_url,
            TPM_REDIS_URL=throwaway_redis.url,
            TPM_QUEUE_NAME=queue_name,
            TPM_NOTIFIER="webhook",
            TPM_NOTIFIER_WEBHOOK_URL=receiver.url,
            TPM_NOTIFIER_WEBHOOK_SECRET=WEBHOOK_SECRET,
            TPM_CLOCK=lambda: LATER,
        )
        with app.app_context():
            yield app, receiver
        _dispose(app)


def _start(app: Flask, job_id: str) -> tuple[Job, Execution]:
    """Register one run of ``job_id`` as started, as a worker does before its work horse
    performs it, and return the job as that run sees it."""
    job = _queue(app).fetch_job(job_id)
    with job.connection.pipeline() as pipeline:
        execution = Execution.create(job, 600, pipeline)
        pipeline.execute()
    return job, execution


def _hold_first_contact_lookup(app: Flask) -> tuple[threading.Event, threading.Event]:
    """Make the first run that reaches the contact lookup (right after its ledger claim)
    wait there until released. Returns (claimed, release)."""
    claimed, release = threading.Event(), threading.Event()

    @app.extensions["tpm"].ext.contact_loader
    def contact(role: str, person_id: int) -> Contact:
        if not claimed.is_set():
            claimed.set()
            assert release.wait(60), "the test never released the first run"
        return Contact(address=f"+1555000{person_id}")

    return claimed, release


def _booked_twice(app: Flask) -> str:
    """Book the 24-hour reminder of one meeting, pop it the way a multi-queue worker does,
    and let a sweep book it again in the window before it is registered as started."""
    [meeting] = _center(1)
    job_id = job_id_for(f"reminder-{meeting}-1440m")
    assert sweep(now=LATER).booked == 2
    queue = _queue(app)
    assert queue.connection.lpop(queue.key).decode() == job_id
    assert sweep(now=LATER).booked == 1  # the popped job looks orphaned: in no list
    assert _times_queued(app, job_id) == 1
    return job_id


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("second_starts", ["after the first claims", "before the first claims"])
def test_two_runs_of_a_job_booked_twice_send_its_reminder_once(
    sending_app: tuple[Flask, WebhookReceiver], second_starts: str
) -> None:
    app, receiver = sending_app
    job_id = _booked_twice(app)
    claimed, release = _hold_first_contact_lookup(app)
    first, _ = _start(app, job_id)
    if second_starts == "before the first claims":
        second, _ = _start(app, job_id)  # the copy the sweep booked again
    results: list[int] = []
    run = threading.Thread(target=lambda: results.append(first.perform()))
    run.start()
    try:
        assert claimed.wait(60), "the first run never claimed the reminder"
        if second_starts == "after the first claims":
            second, _ = _start(app, job_id)

        assert second.perform() == 0  # the first run holds the claim and is alive
    finally:
        release.set()
        run.join(60)
    assert results == [1]
    assert len(receiver.posts) == 1
    assert len(receiver.deliveries) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_run_that_died_after_claiming_is_resumed_by_its_retry_not_by_a_copy_beside_it(
    sending_app: tuple[Flask, WebhookReceiver],
) -> None:
    app, receiver = sending_app
    job_id = _booked_twice(app)
    crashed = []

    @app.extensions["tpm"].ext.contact_loader
    def contact(role: str, person_id: int) -> Contact:
        if not crashed:
            crashed.append(person_id)
            raise RuntimeError("the work horse dies here, after its claim")
        return Contact(address=f"+1555000{person_id}")

    first, execution = _start(app, job_id)
    with pytest.raises(RuntimeError):
        first.perform()
    # Until rq has handled that run's end, it may still be going: a copy leaves it alone.
    copy, _ = _start(app, job_id)
    assert copy.perform() == 0
    assert receiver.posts == []

    with first.connection.pipeline() as pipeline:  # rq's failure handling of the dead run
        execution.delete(job=first, pipeline=pipeline)
        pipeline.execute()
    retry, _ = _start(app, job_id)

    assert retry.perform() == 1
    assert len(receiver.deliveries) == 1
