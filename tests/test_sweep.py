"""The sweep rebuilds what is due from the database and books each job once: sweeping twice
books once, a Redis flush is restored by one sweep, and two sweeps at once (real threads on
PostgreSQL) book each job once. Booked jobs notify through the send ledger, once."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select, update

from tpm_plugin.jobs.rhythm import meeting_log_nudge, meeting_reminder, review_due
from tpm_plugin.jobs.sweep import sweep
from tpm_plugin.models import Meeting, NotificationLedger, Partnership, Review, utcnow
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.outbox import job_id_for
from tpm_plugin.services.rhythm.due import reminder_occurrence

from . import factories
from .conftest import BACKENDS, _dispose
from .hostapp import create_host_app
from .throwaway_redis import ThrowawayRedis

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)  # a Wednesday


@pytest.fixture
def rhythm_app(database_url: str, throwaway_redis: ThrowawayRedis, queue_name: str):
    """A host app on a Redis of this test's own (flushed and shared by nobody else)."""
    app = create_host_app(
        database_url, TPM_REDIS_URL=throwaway_redis.url, TPM_QUEUE_NAME=queue_name
    )
    with app.app_context():
        yield app
    _dispose(app)


def _meeting(world: factories.World, at: dt.datetime, status: str = "scheduled") -> int:
    with unit_of_work() as unit:
        meeting = Meeting(partnership_id=world.partnership.id, scheduled_at=at, status=status)
        unit.session.add(meeting)
        unit.session.flush()
        return meeting.id


def _booked(app: Flask) -> set[str]:
    queue = app.extensions["tpm"].queue.queue
    return set(queue.get_job_ids()) | set(ScheduledJobRegistry(queue=queue).get_job_ids())


def _center(count: int) -> list[int]:
    """``count`` partnerships, each with a meeting 30 hours after NOW (its 24-hour reminder
    falls inside the horizon, its 1-hour one and its log nudge outside)."""
    program = factories.program()
    meetings = []
    for _ in range(count):
        partnership = factories.partnership(program)
        with unit_of_work() as unit:
            meeting = Meeting(
                partnership_id=partnership.id, scheduled_at=NOW + dt.timedelta(hours=30)
            )
            unit.session.add(meeting)
            unit.session.flush()
            meetings.append(meeting.id)
    return meetings


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_sweeping_twice_books_each_due_reminder_once(rhythm_app: Flask):
    meetings = _center(3)
    first = sweep(now=NOW, batch_size=2)
    second = sweep(now=NOW, batch_size=2)
    assert (first.due, first.booked) == (3, 3)
    assert (second.due, second.booked) == (3, 0)
    assert _booked(rhythm_app) == {job_id_for(f"reminder-{m}-1440m") for m in meetings}


def test_a_reminder_is_booked_for_its_wall_clock_time(rhythm_app: Flask):
    [meeting] = _center(1)
    sweep(now=NOW)
    queue = rhythm_app.extensions["tpm"].queue.queue
    scheduled = ScheduledJobRegistry(queue=queue)
    at = scheduled.get_scheduled_time(job_id_for(f"reminder-{meeting}-1440m"))
    assert at == (NOW + dt.timedelta(hours=6)).replace(tzinfo=None) or at == NOW + dt.timedelta(
        hours=6
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_after_a_redis_flush_one_sweep_restores_every_due_job_exactly_once(
    rhythm_app: Flask, throwaway_redis: ThrowawayRedis
):
    _center(5)
    before = sweep(now=NOW, batch_size=2)
    booked = _booked(rhythm_app)
    throwaway_redis.client().flushall()
    assert _booked(rhythm_app) == set()
    restored = sweep(now=NOW, batch_size=2)
    assert restored.booked == before.booked == 5
    assert _booked(rhythm_app) == booked
    assert sweep(now=NOW, batch_size=2).booked == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_sweeps_at_once_book_each_job_once(
    database_url: str, throwaway_redis: ThrowawayRedis, queue_name: str
):
    apps = [
        create_host_app(database_url, TPM_REDIS_URL=throwaway_redis.url, TPM_QUEUE_NAME=queue_name)
        for _ in range(2)
    ]
    with apps[0].app_context():
        _center(40)
    start = threading.Barrier(2)
    results: list[int] = []

    def run(app: Flask) -> None:
        with app.app_context():
            start.wait()
            results.append(sweep(now=NOW, batch_size=5).booked)

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with apps[0].app_context():
        assert sum(results) == 40
        assert len(_booked(apps[0])) == 40
        for app in apps:
            _dispose(app)


def test_a_reminder_already_sent_is_not_booked_again(rhythm_app: Flask):
    [meeting] = _center(1)
    with unit_of_work() as unit:
        partner_id = unit.session.scalar(
            select(Partnership.partner_id).join(Meeting).where(Meeting.id == meeting)
        )
        unit.session.add(
            NotificationLedger(
                kind="meeting_reminder",
                recipient_ref=f"partner-{partner_id}",
                occurrence=reminder_occurrence(meeting, 1440),
                channel="log",
                status="sent",
                claimed_by="test",
            )
        )
    assert sweep(now=NOW).due == 0


def _reachable_world(**program_fields) -> factories.World:
    """A world whose partner and supervisor have a contact on file."""
    made = factories.world(**program_fields)
    with unit_of_work() as unit:
        for person in (made.partner, made.supervisor):
            unit.session.get(type(person), person.id).contact = f"{person.id}@example.org"
    return made


@pytest.fixture
def world(app: Flask) -> Iterator[factories.World]:
    yield _reachable_world()


def _ledger() -> list[tuple[str, str, str]]:
    return list(
        session().execute(
            select(
                NotificationLedger.kind,
                NotificationLedger.recipient_ref,
                NotificationLedger.status,
            ).order_by(NotificationLedger.id)
        )
    )


def test_a_meeting_reminder_is_sent_to_the_partner_once(world: factories.World):
    meeting = _meeting(world, utcnow() + dt.timedelta(hours=5))
    assert meeting_reminder(meeting, 1440) == 1
    assert meeting_reminder(meeting, 1440) == 0
    assert _ledger() == [("meeting_reminder", f"partner-{world.partner.id}", "sent")]


def test_a_guardian_is_reminded_where_the_program_turns_it_on(app: Flask):
    made = _reachable_world(remind_guardians=True)
    with unit_of_work() as unit:
        client = unit.session.get(type(made.client), made.client.id)
        client.is_minor, client.guardian_contact = True, "guardian@example.org"
    meeting = _meeting(made, utcnow() + dt.timedelta(hours=5))
    assert meeting_reminder(meeting, 60) == 2
    assert {ref for _, ref, _ in _ledger()} == {
        f"partner-{made.partner.id}",
        f"guardian-{made.client.id}",
    }


def test_a_cancelled_or_past_meeting_sends_no_reminder(world: factories.World):
    cancelled = _meeting(world, utcnow() + dt.timedelta(hours=5), status="no_show")
    past = _meeting(world, utcnow() - dt.timedelta(hours=1))
    assert meeting_reminder(cancelled, 60) == 0
    assert meeting_reminder(past, 60) == 0
    assert _ledger() == []


def test_an_unlogged_meeting_nudges_its_partner_once_and_a_logged_one_not_at_all(
    world: factories.World,
):
    unlogged = _meeting(world, utcnow() - dt.timedelta(hours=4))
    logged = _meeting(world, utcnow() - dt.timedelta(hours=4), status="held")
    assert meeting_log_nudge(unlogged) == 1
    assert meeting_log_nudge(unlogged) == 0
    assert meeting_log_nudge(logged) == 0
    assert _ledger() == [("meeting_log_nudge", f"partner-{world.partner.id}", "sent")]


def test_the_sweep_books_a_log_nudge_after_the_meeting_end(app: Flask, world: factories.World):
    meeting = _meeting(world, NOW - dt.timedelta(hours=3, minutes=1))
    # Without Redis the embedded queue runs a job due now in-process.
    result = sweep(now=NOW)
    assert result.booked == 1
    assert session().scalar(select(NotificationLedger.occurrence)) == f"meeting-{meeting}"


def _active_since(world: factories.World, entered: dt.datetime) -> None:
    factories.activate(world)
    with unit_of_work() as unit:
        unit.session.execute(
            update(Partnership)
            .where(Partnership.id == world.partnership.id)
            .values(stage_entered_at=entered)
        )


def test_a_review_due_tells_partner_and_supervisor_once_then_once_a_week_overdue(
    world: factories.World,
):
    entered = utcnow() - dt.timedelta(weeks=5)
    _active_since(world, entered)
    due_at = (entered + dt.timedelta(weeks=4)).isoformat()
    assert review_due(world.partnership.id, due_at, 0) == 2
    assert review_due(world.partnership.id, due_at, 0) == 0
    assert review_due(world.partnership.id, due_at, 1) == 2
    assert sorted((kind, ref) for kind, ref, _ in _ledger()) == [
        ("review_due", f"partner-{world.partner.id}"),
        ("review_due", f"supervisor-{world.supervisor.id}"),
        ("review_overdue", f"partner-{world.partner.id}"),
        ("review_overdue", f"supervisor-{world.supervisor.id}"),
    ]


def test_a_review_held_since_cancels_the_due_notice(world: factories.World):
    entered = utcnow() - dt.timedelta(weeks=5)
    _active_since(world, entered)
    with unit_of_work() as unit:
        unit.session.add(
            Review(
                partnership_id=world.partnership.id,
                held_at=utcnow() - dt.timedelta(days=3),
                discussion="x",
                outcome="continue",
                author_id=world.manager_user,
            )
        )
    due_at = (entered + dt.timedelta(weeks=4)).isoformat()
    assert review_due(world.partnership.id, due_at, 0) == 0
    assert _ledger() == []


def test_the_sweep_books_the_review_due_and_overdue_in_the_horizon(
    rhythm_app: Flask,
):
    made = _reachable_world()
    _active_since(made, NOW - dt.timedelta(weeks=5, hours=1))
    sweep(now=NOW)
    due = NOW - dt.timedelta(weeks=1, hours=1)
    assert _booked(rhythm_app) == {
        job_id_for(f"review-due-{made.partnership.id}-{due:%Y%m%dT%H%M}"),
        job_id_for(f"review-overdue-{made.partnership.id}-{due:%Y%m%dT%H%M}"),
    }
    job = Job.fetch(
        job_id_for(f"review-due-{made.partnership.id}-{due:%Y%m%dT%H%M}"),
        connection=rhythm_app.extensions["tpm"].queue.connection,
        serializer=rhythm_app.extensions["tpm"].queue.queue.serializer,
    )
    assert job.kwargs == {
        "partnership_id": made.partnership.id,
        "due_at": due.isoformat(),
        "overdue": 0,
    }
