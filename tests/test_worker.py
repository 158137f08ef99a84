"""Jobs run inside the host app's context: in-process by default, in rq workers with Redis."""

from flask import Flask
from rq.job import Job

from tpm_plugin.models import Program

from .jobs_for_tests import count_programs


def _add_program(app: Flask) -> None:
    session = app.extensions["tpm"].db.session
    session.add(Program(key="yes", name="Children YES", timezone="UTC"))
    session.commit()


def test_embedded_queue_runs_a_job_in_process_in_app_context(app: Flask, queue_name: str) -> None:
    _add_program(app)
    job = app.extensions["tpm"].queue.queue.enqueue(count_programs, queue_name)
    assert job.is_finished
    assert job.return_value() == 1


def test_worker_runs_jobs_from_real_redis_in_app_context(redis_app: Flask, queue_name: str) -> None:
    _add_program(redis_app)
    queue = redis_app.extensions["tpm"].queue.queue
    job = queue.enqueue(count_programs, queue_name)
    assert not job.is_finished
    result = redis_app.test_cli_runner().invoke(args=["tpm", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    finished = Job.fetch(job.id, connection=queue.connection, serializer=queue.serializer)
    assert finished.is_finished
    assert finished.return_value() == 1


def test_worker_command_without_redis_explains_jobs_already_run_in_process(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["tpm", "worker", "--burst"])
    assert result.exit_code == 1
    assert "TPM_REDIS_URL is not set" in result.output
