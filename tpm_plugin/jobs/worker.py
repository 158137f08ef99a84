"""rq workers that run each job inside the host app's context."""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer


def app_job_class(app: Flask) -> type[Job]:
    """An rq ``Job`` class that performs each job in a fresh app context of ``app``, so jobs
    use the host's database session and config, and the session is removed after each job."""

    class AppContextJob(Job):
        def perform(self) -> Any:
            with app.app_context():
                return super().perform()

    return AppContextJob


def make_worker(app: Flask, name: str | None = None) -> Worker:
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
    return Worker(
        [state.queue.queue],
        connection=state.queue.connection,
        serializer=JSONSerializer,
        job_class=app_job_class(app),
        name=name,
    )
