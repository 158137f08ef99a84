"""Periodic jobs on rq's own scheduler: each run books the next one with ``enqueue_at``.

A periodic job (the relay; the rhythm's sweep) is registered with the config key giving its
interval. Its next run gets a job id fixed by the time slot it falls in
(``<queue>-tick-<name>-<slot>``), and is booked only if no job of that id exists, so any
number of workers booking "the next run" book it once. ``flask tpm worker --with-scheduler``
books every periodic job at start and again at each rq maintenance pass, which also brings
the ticks back after Redis lost them (a flush or a restart without persistence). rq's
scheduler (``--with-scheduler``) moves each booked run to the queue when its time comes.
"""

from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from rq.job import Job

from ..services.outbox import job_id_for
from .registry import job_function

#: Periodic job name -> the config key holding its interval in seconds.
_PERIODIC: dict[str, str] = {}


def register_periodic(job_name: str, interval_key: str) -> None:
    """Run the registered job ``job_name`` every ``config[interval_key]`` seconds. The job
    must call :func:`schedule_next_tick` with its own name first thing."""
    _PERIODIC[job_name] = interval_key


def periodic_jobs() -> dict[str, str]:
    """Every periodic job name and its interval's config key."""
    from . import catalog  # noqa: F401  (registers them)

    return dict(_PERIODIC)


def schedule_next_tick(job_name: str, now: dt.datetime | None = None) -> Job | None:
    """Book the next run of the periodic job ``job_name``, unless it is booked already.

    Returns the booked job, or ``None`` when the embedded queue runs jobs in-process (it
    has no scheduler) or that run was booked before.
    """
    backend = current_app.extensions["tpm"].queue
    if backend.embedded:
        return None
    interval = int(current_app.config[_PERIODIC[job_name]])
    now = now or dt.datetime.now(dt.UTC)
    slot = math.floor(now.timestamp() / interval) + 1
    job_id = job_id_for(f"tick-{job_name.replace('.', '_')}-{slot}")
    if backend.connection.exists(Job.key_for(job_id)):
        return None
    return backend.queue.enqueue_at(
        dt.datetime.fromtimestamp(slot * interval, dt.UTC),
        job_function(job_name),
        job_id=job_id,
        description=f"{job_name} tick {slot}",
        result_ttl=max(interval * 4, 60),
        failure_ttl=24 * 3600,
    )


def schedule_all_ticks(now: dt.datetime | None = None) -> int:
    """Book the next run of every periodic job; returns how many were newly booked."""
    return sum(schedule_next_tick(name, now) is not None for name in periodic_jobs())
