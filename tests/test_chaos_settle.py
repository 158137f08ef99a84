"""The chaos run's idea of "this step is over" (``benchmarks/_settle.py``).

The run once lost both 60-minute reminders of a meeting: a worker had taken the job off the
queue but not yet registered it as started (rq keeps it in an intermediate list meanwhile,
or in none when it was popped with LPOP), so the driver saw nothing queued and nothing started, ended the
step and moved the simulated clock 30 minutes on. The job then ran, or was booked again, on
the far side of the meeting's start, where a reminder is rightly no longer sent. These tests
take the job the way rq's worker does (``Queue.dequeue_any``) and stop there, as a worker
SIGKILLed at that point would: the step must stay open until the job is booked again and
run. Against a throwaway redis-server."""

from __future__ import annotations

from flask import Flask
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry

from benchmarks._settle import WorkLeft, recover, work_left
from tpm_plugin.jobs.sweep import sweep
from tpm_plugin.services.outbox import job_id_for

from .test_sweep import _center
from .test_sweep_orphans import LATER, rhythm_app  # noqa: F401  (the fixture)


def _take_like_a_killed_worker(app: Flask) -> str:
    """Take the next job off the queue exactly as an rq worker does, and do nothing more."""
    queue = app.extensions["tpm"].queue.queue
    taken = Queue.dequeue_any([queue], None, connection=queue.connection)
    assert taken is not None
    return taken[0].id


def test_a_job_taken_and_never_started_keeps_the_step_open_until_a_sweep_books_it_again(
    rhythm_app: Flask,  # noqa: F811
):
    [meeting] = _center(1)
    job_id = job_id_for(f"reminder-{meeting}-1440m")
    sweep(now=LATER)  # the 24-hour reminder is due: queued
    backend = rhythm_app.extensions["tpm"].queue
    assert _take_like_a_killed_worker(rhythm_app) == job_id
    queue = backend.queue
    # What the driver used to look at, and why it ended the step.
    assert (queue.count, StartedJobRegistry(queue=queue).get_job_ids()) == (0, [])

    left = work_left(backend, [job_id])
    assert left == WorkLeft(queued=0, started=0, unbooked=(job_id,))
    assert not left.none

    recover(backend, left, LATER)  # the next sweep, at the same instant

    assert work_left(backend, [job_id]) == WorkLeft(queued=1, started=0, unbooked=())
    assert queue.get_job_ids() == [job_id]


def test_a_due_job_that_ran_is_no_work_and_one_never_booked_is(rhythm_app: Flask):  # noqa: F811
    meetings = _center(2)
    ran, never_booked = (job_id_for(f"reminder-{m}-1440m") for m in meetings)
    sweep(now=LATER)
    backend = rhythm_app.extensions["tpm"].queue
    assert _take_like_a_killed_worker(rhythm_app) == ran
    Job.fetch(ran, connection=backend.connection).set_status(JobStatus.FINISHED)
    assert _take_like_a_killed_worker(rhythm_app) == never_booked
    backend.connection.delete(Job.key_for(never_booked))  # as if Redis lost it

    left = work_left(backend, [ran, never_booked])
    assert left == WorkLeft(queued=0, started=0, unbooked=(never_booked,))

    recover(backend, left, LATER)

    assert work_left(backend, [ran, never_booked]) == WorkLeft(queued=1, started=0, unbooked=())
