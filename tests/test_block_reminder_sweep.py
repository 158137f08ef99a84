"""The sweep rebuilds the reminders of supervision blocks from the database, as it does
meeting reminders: after a Redis flush that lost the reminder jobs the placement booked,
one sweep books them again, a second books nothing, and a real worker sends each reminder
once to partner and supervisor; the send ledger keeps them single whatever is swept again."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from rq.job import Job
from sqlalchemy import select, update

from tpm_plugin.jobs.relay import relay_outbox
from tpm_plugin.jobs.sweep import sweep
from tpm_plugin.jobs.worker import make_worker
from tpm_plugin.models import NotificationLedger, Partner, SupervisionSession, Supervisor
from tpm_plugin.services import scheduling
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.outbox import job_id_for
from tpm_plugin.services.supervision_placement.requests import local_monday
from tpm_plugin.services.supervision_placement.weekly import place_program_week

from . import factories
from .conftest import _dispose
from .hostapp import create_host_app
from .throwaway_redis import ThrowawayRedis

ZONE = "America/Chicago"


@pytest.fixture
def placed(postgres_url: str, throwaway_redis: ThrowawayRedis, queue_name: str):
    """A host app on a Redis of this test's own, and one supervision block placed two
    weeks ahead, its reminder jobs relayed to Redis. Yields the app, the block and the sweep's
    clock (half an hour before the block: both reminders are due)."""
    app = create_host_app(
        postgres_url, TPM_REDIS_URL=throwaway_redis.url, TPM_QUEUE_NAME=queue_name
    )
    with app.app_context():
        made = factories.world(timezone=ZONE)
        factories.activate(made)
        with unit_of_work() as unit:
            for model in (Partner, Supervisor):
                unit.session.execute(update(model).values(contact="someone@example.org"))
        scheduling.set_availability(
            factories.actor(made.supervisor_user),
            made.supervisor.id,
            [{"weekday": 0, "starts_at": dt.time(9), "ends_at": dt.time(12)}],
        )
        monday = local_monday(ZONE, dt.datetime.now(dt.UTC)) + dt.timedelta(days=14)
        place_program_week(made.program.id, monday)
        block = session().scalars(select(SupervisionSession)).one()
        now = block.scheduled_at - dt.timedelta(minutes=30)
        assert relay_outbox(now=now).enqueued >= 2
        yield app, block, now
    _dispose(app)
    from .conftest import _truncate_plugin_tables

    _truncate_plugin_tables(postgres_url)


def _block_jobs(app: Flask, block: SupervisionSession) -> set[str]:
    connection = app.extensions["tpm"].queue.connection
    occurrences = [
        f"block-{block.id}-{block.scheduled_at.astimezone(dt.UTC):%Y%m%dT%H%M}-{lead}m"
        for lead in (1440, 60)
    ]
    ids = [job_id_for(f"block-reminder-{occurrence}") for occurrence in occurrences]
    return {job_id for job_id in ids if connection.exists(Job.key_for(job_id))}


def _reminders() -> list[tuple[str, str, str]]:
    session().rollback()
    return sorted(
        (row.recipient_ref, row.occurrence, row.status)
        for row in session().scalars(
            select(NotificationLedger).where(NotificationLedger.kind == "supervision_reminder")
        )
    )


def test_after_a_redis_flush_the_sweep_books_block_reminders_again_and_each_goes_out_once(
    placed: tuple[Flask, SupervisionSession, dt.datetime], throwaway_redis: ThrowawayRedis
):
    app, block, now = placed
    assert len(_block_jobs(app, block)) == 2
    throwaway_redis.client().flushall()
    assert _block_jobs(app, block) == set()
    assert sweep(now=now).booked >= 2
    assert len(_block_jobs(app, block)) == 2
    assert sweep(now=now).booked == 0
    make_worker(app).work(burst=True)
    sent = _reminders()
    assert len(sent) == 4  # two lead times, to partner and supervisor
    assert {status for *_, status in sent} == {"sent"}
    assert len({(recipient, occurrence) for recipient, occurrence, _ in sent}) == 4
    # Lost again after they went out: the ledger shows them done, so nothing is rebooked.
    throwaway_redis.client().flushall()
    sweep(now=now)
    assert _block_jobs(app, block) == set()
    make_worker(app).work(burst=True)
    assert _reminders() == sent


def test_a_cancelled_or_past_block_is_not_swept(
    placed: tuple[Flask, SupervisionSession, dt.datetime], throwaway_redis: ThrowawayRedis
):
    app, block, now = placed
    throwaway_redis.client().flushall()
    sweep(now=block.scheduled_at + dt.timedelta(minutes=1))
    assert _block_jobs(app, block) == set()
    with unit_of_work() as unit:
        unit.session.execute(update(SupervisionSession).values(status="cancelled"))
    sweep(now=now)
    assert _block_jobs(app, block) == set()
