"""The outbox relay: committed rows become rq jobs once, whatever crashes or races."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import select

from tpm_plugin.jobs.relay import relay_outbox
from tpm_plugin.models import OutboxMessage
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.outbox import add_to_outbox, job_id_for, outbox_status

from . import factories
from . import jobs_for_tests as _jobs  # noqa: F401  (registers the tests.* jobs)
from .conftest import BACKENDS, _dispose
from .hostapp import create_host_app
from .throwaway_redis import ThrowawayRedis


def _queue(app: Flask) -> Queue:
    return app.extensions["tpm"].queue.queue


def _add_echo_jobs(count: int, *, available_at: dt.datetime | None = None) -> None:
    with unit_of_work():
        for item in range(count):
            add_to_outbox("tests.echo", f"echo-{item}", available_at=available_at, item=item)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_relay_enqueues_each_row_under_its_dedupe_key_and_marks_it_relayed(
    redis_app: Flask,
) -> None:
    _add_echo_jobs(3)
    result = relay_outbox()
    assert (result.relayed, result.enqueued) == (3, 3)
    queue = _queue(redis_app)
    assert sorted(queue.get_job_ids()) == sorted(job_id_for(f"echo-{i}") for i in range(3))
    job = queue.fetch_job(job_id_for("echo-1"))
    assert (job.func_name, job.kwargs) == ("tests.jobs_for_tests.echo", {"item": 1})
    assert outbox_status().due == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_relaying_twice_enqueues_once(redis_app: Flask) -> None:
    _add_echo_jobs(2)
    relay_outbox()
    second = relay_outbox()
    assert (second.relayed, second.enqueued) == (0, 0)
    assert _queue(redis_app).count == 2


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_row_whose_job_reached_redis_before_the_relay_died_is_not_enqueued_again(
    redis_app: Flask,
) -> None:
    _add_echo_jobs(1)
    # What a relay that enqueued and then died before its commit leaves behind: the job in
    # Redis under the row's id, the row still unrelayed.
    _queue(redis_app).enqueue("tests.jobs_for_tests.echo", item=0, job_id=job_id_for("echo-0"))
    result = relay_outbox()
    assert (result.relayed, result.enqueued) == (1, 0)
    assert _queue(redis_app).count == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_rolled_back_change_enqueues_no_job(redis_app: Flask) -> None:
    with pytest.raises(RuntimeError), unit_of_work():
        add_to_outbox("tests.echo", "echo-1", item=1)
        raise RuntimeError("the change failed before commit")
    assert relay_outbox().enqueued == 0
    assert _queue(redis_app).count == 0


def test_rows_not_yet_due_wait_in_the_outbox(redis_app: Flask) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    _add_echo_jobs(1, available_at=later)
    assert relay_outbox().relayed == 0
    assert relay_outbox(now=later).relayed == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_two_relays_at_once_enqueue_each_row_once(redis_app: Flask) -> None:
    _add_echo_jobs(120)
    start = threading.Barrier(2)
    results = []

    def relay() -> None:
        with redis_app.app_context():
            start.wait()
            results.append(relay_outbox(batch_size=7))

    threads = [threading.Thread(target=relay) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(result.relayed for result in results) == 120
    job_ids = _queue(redis_app).get_job_ids()
    assert len(job_ids) == 120
    assert len(set(job_ids)) == 120


def test_embedded_relay_runs_each_job_in_process(app: Flask) -> None:
    _add_echo_jobs(2)
    assert relay_outbox().enqueued == 2
    job = _queue(app).fetch_job(job_id_for("echo-1"))
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == 1
    assert relay_outbox().enqueued == 0


def test_relay_command_reports_what_it_relayed(redis_app: Flask) -> None:
    _add_echo_jobs(3)
    result = redis_app.test_cli_runner().invoke(args=["tpm", "outbox", "relay"])
    assert result.exit_code == 0, result.output
    assert "Relayed 3 outbox rows; enqueued 3 jobs." in result.output


@pytest.fixture
def app_with_redis_down(
    database_url: str, queue_name: str
) -> Iterator[tuple[Flask, ThrowawayRedis]]:
    """A host app whose Redis (a throwaway server, not yet started) is down."""
    server = ThrowawayRedis()
    app = create_host_app(database_url, TPM_REDIS_URL=server.url, TPM_QUEUE_NAME=queue_name)
    with app.app_context():
        yield app, server
    _dispose(app)
    server.stop()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_with_redis_down_transitions_succeed_and_the_outbox_drains_when_it_returns(
    app_with_redis_down: tuple[Flask, ThrowawayRedis],
) -> None:
    app, server = app_with_redis_down
    made = factories.world()
    # Entering identification (a stage that owes) commits its stage job while Redis is down,
    # beside the placement job that opening the partnership asked for.
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    with pytest.raises(redis.ConnectionError):
        relay_outbox()
    assert outbox_status().due == 2
    server.start()
    assert relay_outbox().enqueued == 2
    row = (
        factories.session()
        .scalars(select(OutboxMessage).where(OutboxMessage.job_name == "tpm.stage_entered"))
        .one()
    )
    assert row.relayed_at is not None
    job = Job.fetch(
        job_id_for(row.dedupe_key), connection=server.client(), serializer=_queue(app).serializer
    )
    assert job.kwargs["partnership_id"] == made.partnership.id


def test_relay_command_with_redis_down_says_so_and_keeps_the_rows(
    app_with_redis_down: tuple[Flask, ThrowawayRedis],
) -> None:
    app, _ = app_with_redis_down
    _add_echo_jobs(1)
    result = app.test_cli_runner().invoke(args=["tpm", "outbox", "relay"])
    assert result.exit_code == 1
    assert "Redis did not answer" in result.output
    assert outbox_status().due == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_row_naming_an_unregistered_job_is_refused_never_imported(redis_app: Flask) -> None:
    _add_echo_jobs(1)
    # Written behind the service's back: a dotted path where a registered name belongs.
    factories.session().add(
        OutboxMessage(job_name="os.system", payload={"command": 1}, dedupe_key="evil-1")
    )
    factories.session().commit()
    result = relay_outbox()
    assert (result.relayed, result.enqueued, result.refused) == (2, 1, 1)
    assert _queue(redis_app).get_job_ids() == [job_id_for("echo-0")]
    assert outbox_status().refused == 1
    status = redis_app.test_cli_runner().invoke(args=["tpm", "outbox", "status"])
    assert "1 relayed, 1 refused." in status.output


def test_the_plugins_queue_is_its_own_and_its_worker_leaves_the_hosts_jobs_alone(
    redis_app: Flask,
) -> None:
    connection = redis_app.extensions["tpm"].queue.connection
    host_queue = Queue(f"host-{_queue(redis_app).name}", connection=connection)
    host_job = host_queue.enqueue("tests.jobs_for_tests.echo", item=7)
    _add_echo_jobs(1)
    relay_outbox()
    result = redis_app.test_cli_runner().invoke(args=["tpm", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert host_job.get_status() == JobStatus.QUEUED
    assert host_queue.get_job_ids() == [host_job.id]
    assert _queue(redis_app).fetch_job(job_id_for("echo-0")).get_status() == JobStatus.FINISHED
    host_queue.delete(delete_jobs=True)
