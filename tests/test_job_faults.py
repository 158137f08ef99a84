"""Fault tests against a real Redis (a throwaway server) and real rq worker processes: a
killed work horse, exhausted retries, a flushed Redis. Nothing is lost, nothing is sent twice,
and Redis never holds a name, a note or a date of birth."""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from tpm_plugin.jobs.periodic import schedule_next_tick
from tpm_plugin.jobs.relay import RELAY_JOB, relay_outbox
from tpm_plugin.models import Partner
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.notifications import ledger
from tpm_plugin.services.outbox import add_to_outbox, job_id_for

from . import factories
from . import jobs_for_tests as _jobs  # noqa: F401  (registers the tests.* jobs)
from .conftest import _dispose
from .hostapp import create_host_app
from .receivers import WEBHOOK_SECRET, WebhookReceiver
from .throwaway_redis import ThrowawayRedis
from .workers import finish, start_worker, wait_for, work_horse_of

pytestmark = pytest.mark.slow


@dataclass
class Center:
    """The test process's app, the config its workers share, and where messages arrive."""

    app: Flask
    config: dict[str, Any]
    redis: ThrowawayRedis
    receiver: WebhookReceiver
    log: Path

    def worker(self, *args: str, env: dict[str, str] | None = None):
        return start_worker(self.config, self.log, *args, env=env)

    def job(self, job_id: str) -> Job:
        queue = self.app.extensions["tpm"].queue.queue
        return Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)


@pytest.fixture
def center(
    postgres_url: str, throwaway_redis: ThrowawayRedis, queue_name: str, tmp_path: Path
) -> Iterator[Center]:
    config = {
        "SQLALCHEMY_DATABASE_URI": postgres_url,
        "TPM_REDIS_URL": throwaway_redis.url,
        "TPM_QUEUE_NAME": queue_name,
        "TPM_NOTIFIER": "webhook",
        "TPM_NOTIFIER_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TPM_JOB_RETRY_INTERVALS": [0, 0],
        "TPM_RELAY_INTERVAL_SECONDS": 1,
    }
    with WebhookReceiver() as receiver:
        config["TPM_NOTIFIER_WEBHOOK_URL"] = receiver.url
        app_config = {k: v for k, v in config.items() if k != "SQLALCHEMY_DATABASE_URI"}
        app = create_host_app(postgres_url, **app_config)
        with app.app_context():
            yield Center(app, config, throwaway_redis, receiver, tmp_path / "worker.log")
        _dispose(app)
    from .conftest import _truncate_plugin_tables

    _truncate_plugin_tables(postgres_url)


def _partner() -> Partner:
    program = factories.program()
    return factories.partner(program, display_name="Alexandra Testname", contact="a@example.org")


def _outbox_reminder(partner: Partner, job: str = "tests.remind_partner") -> str:
    with unit_of_work():
        add_to_outbox(job, f"remind-{partner.id}-1", partner_id=partner.id, meeting_id=1)
    assert relay_outbox().enqueued == 1
    return job_id_for(f"remind-{partner.id}-1")


def _sent(partner: Partner) -> str | None:
    factories.session().rollback()  # see what the worker committed
    return ledger.ledger_status("meeting_reminder", f"partner-{partner.id}", "meeting-1-1h")


def test_killing_the_work_horse_after_the_send_delivers_the_reminder_exactly_once(
    center: Center,
) -> None:
    center.receiver.hold = True  # the first delivery arrives, then the receiver waits
    partner = _partner()
    job_id = _outbox_reminder(partner)
    worker = center.worker("--burst")
    wait_for(center.receiver.received.is_set, "the reminder to reach the receiver")
    os.kill(work_horse_of(worker), signal.SIGKILL)
    center.receiver.release.set()
    finish(worker, center.log)
    assert len(center.receiver.posts) == 2  # the retry sent it again, under the same id
    assert len(center.receiver.deliveries) == 1
    assert _sent(partner) == "sent"
    assert center.job(job_id).get_status() == JobStatus.FINISHED


def test_killing_the_work_horse_before_the_send_still_delivers_the_reminder_once(
    center: Center, tmp_path: Path
) -> None:
    hold = tmp_path / "hold"
    hold.write_text("")
    partner = _partner()
    job_id = _outbox_reminder(partner)
    worker = center.worker("--burst", env={"TPM_TEST_HOLD_FILE": str(hold)})
    inside = Path(f"{hold}.inside")
    horse = int(wait_for(lambda: inside.exists() and inside.read_text(), "the job to start"))
    assert _sent(partner) == "sending"  # claimed, not sent, when the horse dies
    os.kill(horse, signal.SIGKILL)
    finish(worker, center.log)
    assert len(center.receiver.posts) == 1
    assert _sent(partner) == "sent"
    assert center.job(job_id).get_status() == JobStatus.FINISHED


def test_a_job_out_of_retries_is_listed_failed_and_requeueing_it_sends_nothing_twice(
    center: Center,
) -> None:
    partner = _partner()
    job_id = _outbox_reminder(partner, "tests.remind_then_fail")
    finish(center.worker("--burst"), center.log)
    queue = center.app.extensions["tpm"].queue.queue
    assert FailedJobRegistry(queue=queue).get_job_ids() == [job_id]
    cli = center.app.test_cli_runner()
    listed = cli.invoke(args=["tpm", "jobs", "failed"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith(f"{job_id}  tests.remind_then_fail  failed ")
    assert "Alexandra" not in listed.output

    requeued = cli.invoke(args=["tpm", "jobs", "requeue", job_id])
    assert requeued.exit_code == 0, requeued.output
    assert "Requeued 1 jobs." in requeued.output
    finish(center.worker("--burst"), center.log)
    assert len(center.receiver.posts) == 1  # 6 runs of the job, one message
    assert FailedJobRegistry(queue=queue).get_job_ids() == [job_id]


def test_requeueing_a_job_that_is_not_failed_is_refused(center: Center) -> None:
    result = center.app.test_cli_runner().invoke(args=["tpm", "jobs", "requeue", "no-such-job"])
    assert result.exit_code == 1
    assert "Not in the failed jobs: no-such-job" in result.output


def test_after_redis_is_flushed_the_relay_enqueues_nothing_twice(center: Center) -> None:
    with unit_of_work():
        for item in range(3):
            add_to_outbox("tests.echo", f"echo-{item}", item=item)
    assert relay_outbox().enqueued == 3
    center.redis.client().flushall()
    with unit_of_work():
        add_to_outbox("tests.echo", "echo-after", item=9)
    result = relay_outbox()
    assert (result.relayed, result.enqueued) == (1, 1)
    assert center.app.extensions["tpm"].queue.queue.get_job_ids() == [job_id_for("echo-after")]


def test_the_schedulers_relay_hands_new_rows_to_workers_by_itself(center: Center) -> None:
    partner = _partner()
    with unit_of_work():
        add_to_outbox("tests.remind_partner", "remind-1", partner_id=partner.id, meeting_id=1)
    worker = center.worker("--with-scheduler")
    try:
        wait_for(lambda: _sent(partner) == "sent", "the scheduled relay and the reminder")
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    assert len(center.receiver.posts) == 1


def test_the_next_relay_is_booked_once_however_many_workers_book_it(center: Center) -> None:
    now = dt.datetime.now(dt.UTC)
    assert schedule_next_tick(RELAY_JOB, now) is not None
    assert schedule_next_tick(RELAY_JOB, now) is None
    queue = center.app.extensions["tpm"].queue.queue
    assert len(ScheduledJobRegistry(queue=queue).get_job_ids()) == 1
    center.redis.client().flushall()  # Redis lost it: booking again brings it back
    assert schedule_next_tick(RELAY_JOB, now) is not None


def test_no_redis_key_holds_a_name_a_note_or_a_date_of_birth_after_a_demo_cycle(
    center: Center,
) -> None:
    program = factories.program(name="Children YES")
    client = factories.client(
        program,
        display_name="Zebediah Clientname",
        date_of_birth="2012-03-04",
        guardian_name="Gwendolyn Guardianname",
        guardian_contact="gwen@example.org",
    )
    partner = factories.partner(program, display_name="Alexandra Partnername", contact="a@x.org")
    supervisor = factories.supervisor(program, display_name="Sigmund Supervisorname")
    partnership = factories.partnership(
        program, client=client, partner=partner, supervisor=supervisor
    )
    made = factories.World(
        program,
        factories.program_manager_of(program),
        supervisor.host_user_id,
        partner.host_user_id,
        client,
        partner,
        supervisor,
        partnership,
    )
    factories.activate(made)
    with unit_of_work():
        add_to_outbox("tests.remind_partner", "remind-1", partner_id=partner.id, meeting_id=1)
    relay_outbox()
    finish(center.worker("--burst"), center.log)
    assert _sent(partner) == "sent"

    secrets = [
        "Zebediah",
        "Clientname",
        "Alexandra",
        "Partnername",
        "Sigmund",
        "Supervisorname",
        "Gwendolyn",
        "Guardianname",
        "gwen@example.org",
        "2012-03-04",
        "A client_voice entry",
        "A observation entry",
        "Play together",
    ]
    dump = _everything_in(center.redis.client())
    assert dump, "the cycle wrote nothing to Redis"
    assert [secret for secret in secrets if secret.lower() in dump.lower()] == []


def _everything_in(connection) -> str:
    readers = {
        b"string": lambda key: [connection.get(key)],
        b"hash": lambda key: [*connection.hgetall(key).keys(), *connection.hgetall(key).values()],
        b"list": lambda key: connection.lrange(key, 0, -1),
        b"set": lambda key: list(connection.smembers(key)),
        b"zset": lambda key: connection.zrange(key, 0, -1),
        b"stream": lambda key: [str(connection.xrange(key)).encode()],
    }
    parts = []
    for key in connection.scan_iter():
        parts.append(key)
        parts.extend(readers[connection.type(key)](key))
    return b"\n".join(part for part in parts if part).decode("utf-8", "replace")
