"""rq workers that run each job inside the host app's context."""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer

log = logging.getLogger("tpm_plugin.jobs")

#: Seconds between a worker's maintenance passes (rq cleans its registries, and the plugin
#: books its periodic jobs again if Redis lost them).
MAINTENANCE_INTERVAL = 60


def app_job_class(app: Flask) -> type[Job]:
    """An rq ``Job`` class that performs each job in a fresh app context of ``app``, so jobs
    use the host's database session and config, and the session is removed after each job."""

    class AppContextJob(Job):
        def perform(self) -> Any:
            with app.app_context():
                return super().perform()

    return AppContextJob


class PluginWorker(Worker):
    """An rq worker on the plugin's queue that keeps the plugin's periodic jobs booked."""

    app: Flask

    def main_work_horse(self, job: Job, queue: Any) -> None:
        """In the forked work horse: drop the database connections inherited from the parent
        (SQLAlchemy's rule for forks), then run the job."""
        with self.app.app_context():
            for engine in self.app.extensions["sqlalchemy"].engines.values():
                engine.dispose(close=False)
        super().main_work_horse(job, queue)

    def run_maintenance_tasks(self) -> None:
        """rq's maintenance, then book any periodic job whose next run is missing."""
        super().run_maintenance_tasks()
        book_periodic_jobs(self.app)


def book_periodic_jobs(app: Flask) -> int:
    """Book the next run of every periodic job (relay, sweeps) on ``app``'s queue; returns how
    many were missing. Redis errors are logged, not raised: the next pass tries again."""
    from .periodic import schedule_all_ticks

    with app.app_context():
        try:
            return schedule_all_ticks()
        except redis.RedisError as error:
            log.warning("Could not book the periodic jobs: %s", error.__class__.__name__)
            return 0


def make_worker(app: Flask, name: str | None = None) -> PluginWorker:
    """A worker on the plugin's queue of ``app`` (JSON jobs, run in app context).

    Raises:
        RuntimeError: ``TPM_REDIS_URL`` is not set, so jobs already run in-process.
    """
    state = app.extensions["tpm"]
    if state.queue.embedded:
        raise RuntimeError(
            "TPM_REDIS_URL is not set, so jobs already run in-process; set it to a Redis URL "
            "to run them in workers."
        )
    worker = PluginWorker(
        [state.queue.queue],
        connection=state.queue.connection,
        serializer=JSONSerializer,
        job_class=app_job_class(app),
        name=name,
        maintenance_interval=MAINTENANCE_INTERVAL,
    )
    worker.app = app
    return worker
