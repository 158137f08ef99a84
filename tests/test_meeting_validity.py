"""Meetings that cannot have happened are refused: each a 422 naming its field, nothing
written."""

from __future__ import annotations

import datetime as dt

import pytest

from tpm_plugin.models import Meeting

from . import factories
from .conftest import BACKENDS

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
BEGAN = NOW - dt.timedelta(days=30)


def _world() -> factories.World:
    return factories.world(started_at=BEGAN)


def _post(client, world: factories.World, **fields):
    body = {
        key: value.isoformat() if isinstance(value, dt.datetime) else value
        for key, value in fields.items()
    }
    return client.post(
        f"/tpm/api/partnerships/{world.partnership.id}/meetings",
        json=body,
        headers=factories.as_user(world.partner_user),
    )


def _refused(response, field: str) -> str:
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "validation_error"
    return " ".join(response.json["error"]["fields"][field])


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("status", ["held", "no_show"])
def test_a_meeting_scheduled_for_tomorrow_cannot_be_logged_as_happened(client, status) -> None:
    world = _world()
    fields = {"minutes": 30} if status == "held" else {}
    tomorrow = NOW + dt.timedelta(days=1)
    refused = _post(client, world, scheduled_at=tomorrow, status=status, **fields)
    assert "must have started by now" in _refused(refused, "scheduled_at")
    assert factories.row_count(Meeting) == 0


def test_a_meeting_a_moment_ahead_within_the_clock_skew_is_accepted(client) -> None:
    world = _world()
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    assert _post(client, world, scheduled_at=ahead, status="held", minutes=20).status_code == 201


def test_the_clock_skew_is_configurable(app, client) -> None:
    app.config["TPM_MEETING_CLOCK_SKEW_SECONDS"] = 0
    world = _world()
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=60)
    refused = _post(client, world, scheduled_at=ahead, status="held", minutes=20)
    _refused(refused, "scheduled_at")


def test_a_meeting_for_tomorrow_can_be_scheduled(client) -> None:
    world = _world()
    assert _post(client, world, scheduled_at=NOW + dt.timedelta(days=1)).status_code == 201


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_meeting_before_the_partnership_began_is_refused(client) -> None:
    world = _world()
    before = BEGAN - dt.timedelta(days=1)
    refused = _post(client, world, scheduled_at=before, status="held", minutes=30)
    assert "began at" in _refused(refused, "scheduled_at")


def test_a_meeting_after_the_partnership_ended_is_refused(client) -> None:
    world = _world()
    with client.application.app_context():
        ended = factories.withdraw(world).ended_at
    corrected = _post(client, world, scheduled_at=ended + dt.timedelta(minutes=1))
    # A closed partnership takes no new meetings at all; either way nothing is written.
    assert corrected.status_code == 422
    assert factories.row_count(Meeting) == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_two_held_meetings_at_the_same_moment_are_refused(client) -> None:
    world = _world()
    when = NOW - dt.timedelta(days=2)
    assert _post(client, world, scheduled_at=when, status="held", minutes=45).status_code == 201
    refused = _post(client, world, scheduled_at=when, status="held", minutes=45)
    assert "overlaps" in _refused(refused, "scheduled_at")
    assert factories.row_count(Meeting) == 1


def test_a_held_meeting_starting_inside_another_is_refused(client) -> None:
    world = _world()
    when = NOW - dt.timedelta(days=2)
    _post(client, world, scheduled_at=when, status="held", minutes=60)
    inside = when + dt.timedelta(minutes=30)
    _refused(_post(client, world, scheduled_at=inside, status="held", minutes=10), "scheduled_at")
    earlier = when - dt.timedelta(minutes=30)
    _refused(_post(client, world, scheduled_at=earlier, status="held", minutes=40), "scheduled_at")


def test_back_to_back_held_meetings_are_accepted(client) -> None:
    world = _world()
    when = NOW - dt.timedelta(days=2)
    _post(client, world, scheduled_at=when, status="held", minutes=60)
    after = when + dt.timedelta(minutes=60)
    assert _post(client, world, scheduled_at=after, status="held", minutes=30).status_code == 201


def test_a_correction_may_overlap_the_meeting_it_corrects(client) -> None:
    world = _world()
    when = NOW - dt.timedelta(days=2)
    first = _post(client, world, scheduled_at=when, status="held", minutes=60).json
    fixed = _post(
        client, world, scheduled_at=when, status="held", minutes=50, supersedes_id=first["id"]
    )
    assert fixed.status_code == 201


def test_a_cancelled_meeting_does_not_block_a_held_one_at_that_time(client) -> None:
    world = _world()
    when = NOW - dt.timedelta(days=2)
    _post(client, world, scheduled_at=when, status="cancelled", cancelled_by="client")
    assert _post(client, world, scheduled_at=when, status="held", minutes=30).status_code == 201


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_meeting_longer_than_the_maximum_is_refused(client) -> None:
    world = _world()
    when = NOW - dt.timedelta(days=2)
    refused = _post(client, world, scheduled_at=when, status="held", minutes=1440)
    assert "at most 240 minutes" in _refused(refused, "minutes")
    assert _post(client, world, scheduled_at=when, status="held", minutes=240).status_code == 201


def test_the_longest_meeting_is_configurable(app, client) -> None:
    app.config["TPM_MAX_MEETING_MINUTES"] = 90
    world = _world()
    refused = _post(
        client, world, scheduled_at=NOW - dt.timedelta(days=1), status="held", minutes=91
    )
    assert "at most 90 minutes" in _refused(refused, "minutes")


def _log(client, world: factories.World, meeting_id: int, **fields):
    return client.post(
        f"/tpm/api/meetings/{meeting_id}/outcome",
        json=fields,
        headers=factories.as_user(world.partner_user),
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_scheduled_meetings_outcome_waits_until_it_has_started(client) -> None:
    world = _world()
    made = _post(client, world, scheduled_at=NOW + dt.timedelta(days=1)).json
    refused = _log(client, world, made["id"], status="held", minutes=30)
    assert "once it has started" in _refused(refused, "status")
    assert _log(client, world, made["id"], status="no_show").status_code == 422
    stored = client.get(
        f"/tpm/api/meetings/{made['id']}", headers=factories.as_user(world.partner_user)
    ).json
    assert stored["status"] == "scheduled"


def test_a_future_meeting_can_be_cancelled_ahead(client) -> None:
    world = _world()
    made = _post(client, world, scheduled_at=NOW + dt.timedelta(days=1)).json
    answer = _log(client, world, made["id"], status="cancelled", cancelled_by="partner")
    assert answer.status_code == 200


def test_logging_a_started_meeting_as_held_checks_overlap_and_length(client) -> None:
    world = _world()
    when = NOW - dt.timedelta(days=1)
    _post(client, world, scheduled_at=when, status="held", minutes=60)
    planned = _post(client, world, scheduled_at=when + dt.timedelta(minutes=15)).json
    _refused(_log(client, world, planned["id"], status="held", minutes=20), "scheduled_at")
    _refused(_log(client, world, planned["id"], status="held", minutes=600), "minutes")
    other = _post(client, world, scheduled_at=when + dt.timedelta(hours=3)).json
    assert _log(client, world, other["id"], status="held", minutes=20).status_code == 200


def test_a_partnership_cannot_begin_in_the_future(client) -> None:
    world = _world()
    other_client = factories.client(world.program)
    refused = client.post(
        "/tpm/api/partnerships",
        json={
            "program_id": world.program.id,
            "client_id": other_client.id,
            "started_at": (NOW + dt.timedelta(days=3)).isoformat(),
        },
        headers=factories.as_user(world.manager_user),
    )
    _refused(refused, "started_at")
