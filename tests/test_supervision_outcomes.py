"""Supervision outcomes replace the partnerships discussed, discuss only partnerships the
supervisor supervises, and two concurrent outcomes (of a supervision session or of a
meeting) leave one winner and a 409, on SQLite too (a version column) as on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, select, text

from tpm_plugin.models import Meeting, SupervisionSession, supervision_discussed
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
WHEN = "2024-05-06T15:00:00+02:00"


def _discussed(session_id: int) -> list[int]:
    return list(
        session().scalars(
            select(supervision_discussed.c.partnership_id)
            .where(supervision_discussed.c.session_id == session_id)
            .order_by(supervision_discussed.c.partnership_id)
        )
    )


def _schedule(client, world, **fields) -> dict:
    response = client.post(
        f"{API}/supervision-sessions",
        json={"partner_id": world.partner.id, "scheduled_at": WHEN, **fields},
        headers=as_user(world.supervisor_user),
    )
    assert response.status_code == 201, response.json
    return response.json


def _outcome(client, world, session_id: int, **fields):
    return client.post(
        f"{API}/supervision-sessions/{session_id}/outcome",
        json={"status": "held", "held_minutes": 30, **fields},
        headers=as_user(world.supervisor_user),
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_outcome_naming_a_partnership_already_discussed_is_200_not_500(app, client) -> None:
    world = factories.world()
    scheduled = _schedule(client, world, partnership_ids=[world.partnership.id])
    response = _outcome(client, world, scheduled["id"], partnership_ids=[world.partnership.id])
    assert response.status_code == 200, response.json
    assert response.json["partnership_ids"] == [world.partnership.id]
    assert _discussed(scheduled["id"]) == [world.partnership.id]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_outcome_replaces_the_partnerships_discussed(app, client) -> None:
    world = factories.world()
    second = factories.partnership(
        world.program, partner=world.partner, supervisor=world.supervisor
    )
    scheduled = _schedule(client, world, partnership_ids=[world.partnership.id])
    response = _outcome(client, world, scheduled["id"], partnership_ids=[second.id])
    assert response.status_code == 200, response.json
    assert response.json["partnership_ids"] == [second.id]
    assert _discussed(scheduled["id"]) == [second.id]


def test_an_outcome_naming_no_partnership_says_none_was_discussed(app, client) -> None:
    world = factories.world()
    scheduled = _schedule(client, world, partnership_ids=[world.partnership.id])
    response = _outcome(client, world, scheduled["id"])
    assert response.status_code == 200
    assert response.json["partnership_ids"] == []
    assert _discussed(scheduled["id"]) == []


def test_a_supervisor_cannot_discuss_their_partners_partnership_under_another_supervisor(
    app, client
) -> None:
    world = factories.world()
    elsewhere = factories.partnership(world.program, partner=world.partner)
    scheduled = _schedule(client, world)
    response = _outcome(client, world, scheduled["id"], partnership_ids=[elsewhere.id])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["partnership_ids"]
    assert session().get(SupervisionSession, scheduled["id"]).status == "scheduled"
    assert _discussed(scheduled["id"]) == []


def test_a_supervisor_cannot_schedule_a_session_discussing_another_supervisors_partnership(
    app, client
) -> None:
    world = factories.world()
    elsewhere = factories.partnership(world.program, partner=world.partner)
    response = client.post(
        f"{API}/supervision-sessions",
        json={
            "partner_id": world.partner.id,
            "scheduled_at": WHEN,
            "partnership_ids": [elsewhere.id],
        },
        headers=as_user(world.supervisor_user),
    )
    assert response.status_code == 422
    assert session().scalar(select(func.count()).select_from(SupervisionSession)) == 0


# --- concurrent outcomes: one winner --------------------------------------------------


def _race(app: Flask, url: str, bodies: list[dict], user: str) -> list[int]:
    """POST each body to ``url`` from its own thread and request context, all at once."""
    barrier = threading.Barrier(len(bodies))
    statuses: list[int] = []

    def post(body: dict) -> None:
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(url, json=body, headers=as_user(user)).status_code)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def _log_meeting(client, world) -> dict:
    """A meeting at ``WHEN`` (the world's partnership must have begun before it)."""
    response = client.post(
        f"{API}/partnerships/{world.partnership.id}/meetings",
        json={"scheduled_at": WHEN},
        headers=as_user(world.partner_user),
    )
    assert response.status_code == 201, response.json
    return response.json


_HELD = {"status": "held", "minutes": 45}
_CANCELLED = {"status": "cancelled", "cancelled_by": "client"}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_two_concurrent_meeting_outcomes_leave_one_winner(app_without_context: Flask) -> None:
    app = app_without_context
    with app.app_context():
        world = factories.world(started_at=factories.LONG_AGO)
        meeting = _log_meeting(app.test_client(), world)
    url = f"{API}/meetings/{meeting['id']}/outcome"
    assert _race(app, url, [_HELD, _CANCELLED], world.partner_user) == [200, 409]
    with app.app_context():
        row = session().get(Meeting, meeting["id"])
        logged = (row.status, row.minutes, row.cancelled_by)
    assert logged in {("held", 45, None), ("cancelled", None, "client")}


def _change_underneath(app: Flask, table: str, row_id: int) -> None:
    """Before the next flush of the app's session, another connection logs the row first
    (as a concurrent request would between this one's read and its write)."""
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    target = session()

    @event.listens_for(target, "before_flush", once=True)
    def concurrent_write(*_: object) -> None:
        with other.begin() as connection:
            connection.execute(
                text(
                    f"UPDATE {table} SET status = 'cancelled', version_id = version_id + 1 "
                    "WHERE id = :id"
                ),
                {"id": row_id},
            )
        other.dispose()


def test_on_sqlite_a_meeting_logged_underneath_makes_the_outcome_409(app, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = _log_meeting(client, world)
    _change_underneath(app, "tpm_meetings", meeting["id"])
    response = client.post(
        f"{API}/meetings/{meeting['id']}/outcome", json=_HELD, headers=as_user(world.partner_user)
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "concurrent_change"
    session().expire_all()
    row = session().get(Meeting, meeting["id"])
    assert (row.status, row.minutes) == ("cancelled", None)


def test_on_sqlite_a_session_logged_underneath_makes_the_outcome_409(app, client) -> None:
    world = factories.world()
    scheduled = _schedule(client, world)
    _change_underneath(app, "tpm_supervision_sessions", scheduled["id"])
    response = _outcome(client, world, scheduled["id"], partnership_ids=[world.partnership.id])
    assert response.status_code == 409
    session().expire_all()
    assert session().get(SupervisionSession, scheduled["id"]).held_minutes is None
    assert _discussed(scheduled["id"]) == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_two_concurrent_supervision_outcomes_leave_one_winner(app_without_context) -> None:
    app = app_without_context
    with app.app_context():
        world = factories.world()
        scheduled = _schedule(app.test_client(), world)
    url = f"{API}/supervision-sessions/{scheduled['id']}/outcome"
    bodies = [{"status": "held", "held_minutes": 45}, {"status": "cancelled"}]
    assert _race(app, url, bodies, world.supervisor_user) == [200, 409]
