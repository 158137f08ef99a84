"""A program's week of supervision is placed again at once after each change placement
reads: a partnership opened or closed, its partner or supervisor changed, a block
cancelled. The change adds one placement job to the outbox in its own transaction; a burst
of changes adds one; the real relay hands it to a real rq worker, which places the week."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from tpm_plugin.jobs.relay import relay_outbox
from tpm_plugin.jobs.worker import make_worker
from tpm_plugin.models import OutboxMessage, PlacementRun, SupervisionSession
from tpm_plugin.services import partnerships, scheduling, supervision, transitions
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.supervision_placement.requests import PLACEMENT_JOB, local_monday

from . import factories
from .conftest import _dispose
from .hostapp import create_host_app
from .throwaway_redis import ThrowawayRedis

ZONE = "America/Chicago"


@pytest.fixture
def worker_app(postgres_url: str, throwaway_redis: ThrowawayRedis, queue_name: str):
    """A host app whose jobs go to a Redis of this test's own, for a real rq worker."""
    app = create_host_app(
        postgres_url, TPM_REDIS_URL=throwaway_redis.url, TPM_QUEUE_NAME=queue_name
    )
    with app.app_context():
        yield app
    _dispose(app)
    from .conftest import _truncate_plugin_tables

    _truncate_plugin_tables(postgres_url)


@pytest.fixture
def world(worker_app: Flask) -> Iterator[factories.World]:
    made = factories.world(timezone=ZONE)
    factories.activate(made)
    every_day = [
        {"weekday": n, "starts_at": dt.time(0), "ends_at": dt.time(23, 59)} for n in range(7)
    ]
    scheduling.set_availability(factories.actor(made.manager_user), made.supervisor.id, every_day)
    _relay_and_work(worker_app)
    yield made


def _placement_jobs() -> int:
    session().rollback()
    return session().scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.job_name == PLACEMENT_JOB)
    )


def _placed_at(program_id: int) -> dt.datetime | None:
    session().rollback()
    monday = local_monday(ZONE, dt.datetime.now(dt.UTC))
    return session().scalar(
        select(PlacementRun.placed_at).where(
            PlacementRun.program_id == program_id, PlacementRun.week_starts_on == monday
        )
    )


def _relay_and_work(app: Flask) -> int:
    """Relay the outbox, then run a real worker until the queue is empty. Returns the
    placement jobs the relay enqueued."""
    session().rollback()
    waiting = session().scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.job_name == PLACEMENT_JOB, OutboxMessage.relayed_at.is_(None))
    )
    relay_outbox()
    make_worker(app).work(burst=True)
    return waiting


def _open(made: factories.World) -> None:
    factories.partnership(made.program, partner=made.partner, supervisor=made.supervisor)


def _close(made: factories.World) -> None:
    factories.withdraw(made)


def _change_partner(made: factories.World) -> None:
    partnerships.update_partnership(
        factories.actor(made.manager_user),
        made.partnership.id,
        {"partner_id": factories.partner(made.program).id},
    )


def _change_supervisor(made: factories.World) -> None:
    partnerships.update_partnership(
        factories.actor(made.manager_user),
        made.partnership.id,
        {"supervisor_id": factories.supervisor(made.program).id},
    )


def _cancel_a_block(made: factories.World) -> None:
    # A block as the placement writes it, an hour ahead (so some week time is left).
    with unit_of_work() as unit:
        block = SupervisionSession(
            supervisor_id=made.supervisor.id,
            partner_id=made.partner.id,
            scheduled_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
            scheduled_minutes=20,
            status="scheduled",
            placed_week=local_monday(ZONE, dt.datetime.now(dt.UTC)),
        )
        unit.session.add(block)
        unit.session.flush()
        block_id = block.id
    supervision.log_session_outcome(
        factories.actor(made.supervisor_user), block_id, {"status": "cancelled"}
    )


CHANGES: dict[str, Callable[[factories.World], None]] = {
    "opened": _open,
    "closed": _close,
    "partner_changed": _change_partner,
    "supervisor_changed": _change_supervisor,
    "block_cancelled": _cancel_a_block,
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_change_places_the_week_again_through_relay_and_worker(
    worker_app: Flask, world: factories.World, change: str
):
    placed_before = _placed_at(world.program.id)
    assert placed_before is not None  # the week was placed once the partnership opened
    jobs_before = _placement_jobs()
    changed_at = dt.datetime.now(dt.UTC)
    CHANGES[change](world)
    assert _placement_jobs() == jobs_before + 1
    assert _relay_and_work(worker_app) == 1
    placed_after = _placed_at(world.program.id)
    assert placed_after is not None and placed_after >= changed_at


def test_a_burst_of_changes_adds_one_placement_job(worker_app: Flask, world: factories.World):
    jobs_before = _placement_jobs()
    _change_partner(world)
    _change_supervisor(world)
    _open(world)
    _close(world)
    assert _placement_jobs() == jobs_before + 1
    assert _relay_and_work(worker_app) == 1
    # Once relayed, the next change asks again.
    _open(world)
    assert _placement_jobs() == jobs_before + 2


def test_a_change_that_rolls_back_asks_for_no_placement(worker_app: Flask, world: factories.World):
    jobs_before = _placement_jobs()
    with pytest.raises(Exception):  # noqa: B017 (any refusal will do)
        partnerships.update_partnership(
            factories.actor(world.manager_user), world.partnership.id, {"supervisor_id": 999_999}
        )
    assert _placement_jobs() == jobs_before


def test_a_stage_change_that_owes_the_same_asks_for_no_placement(
    worker_app: Flask, world: factories.World
):
    jobs_before = _placement_jobs()
    transitions.fire(factories.actor(world.manager_user), world.partnership.id, "begin_review")
    assert _placement_jobs() == jobs_before
