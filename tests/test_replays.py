"""Idempotent replays are authorized and audited like the first request, and re-rendered
from the current rows (so an erased client's data never comes back)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tpm_plugin.blueprints._idempotency import NOT_REPLAYED, REPLAYS
from tpm_plugin.blueprints.api import api_routes
from tpm_plugin.models import AccessAudit, IdempotencyRecord
from tpm_plugin.services import partnerships
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"


def _meeting_post(client, made: factories.World, user: str, key: str = "retry-1"):
    return client.post(
        f"{API}/partnerships/{made.partnership.id}/meetings",
        json={
            "scheduled_at": "2024-03-05T16:00:00+01:00",
            "status": "held",
            "minutes": 40,
            "experience_note": "We baked bread at Grandma Ilse's.",
        },
        headers={**as_user(user), "Idempotency-Key": key},
    )


def _audit_rows(user: str) -> list[AccessAudit]:
    session().expire_all()
    return list(
        session().scalars(
            select(AccessAudit).where(AccessAudit.actor_id == user).order_by(AccessAudit.id)
        )
    )


def test_every_post_route_says_how_its_replay_is_answered() -> None:
    posts = {route.endpoint for route in api_routes() if "POST" in route.methods}
    assert posts - set(REPLAYS) - NOT_REPLAYED == set()
    assert not NOT_REPLAYED & set(REPLAYS)
    for replay in REPLAYS.values():
        api_routes().view(replay.endpoint)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_partner_reassigned_away_gets_404_on_replaying_their_old_post(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    first = _meeting_post(client, made, made.partner_user)
    assert first.status_code == 201
    newcomer = factories.partner(made.program)
    moved = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"partner_id": newcomer.id},
        headers=as_user(made.manager_user),
    )
    assert moved.status_code == 200

    replay = _meeting_post(client, made, made.partner_user)

    assert replay.status_code == 404
    assert replay.json["error"]["code"] == "not_found"
    assert "Grandma" not in replay.get_data(as_text=True)
    last = _audit_rows(made.partner_user)[-1]
    assert (last.action, last.outcome, last.object_type) == ("replay", "denied", "meeting")


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_replay_is_audited_with_the_role_held_on_the_record(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    first = _meeting_post(client, made, made.partner_user)
    replay = _meeting_post(client, made, made.partner_user)
    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert replay.json == first.json
    rows = _audit_rows(made.partner_user)
    assert [(row.action, row.outcome) for row in rows] == [
        ("create", "allowed"),
        ("replay", "allowed"),
    ]
    assert rows[-1].object_id == str(first.json["id"])
    assert rows[-1].actor_role == "partner"
    assert rows[-1].partnership_id == made.partnership.id


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_replay_after_erasure_answers_the_erased_rows(client) -> None:
    made = factories.world()
    created = client.post(
        f"{API}/clients",
        json={"program_id": made.program.id, "display_name": "Mira Kowalczyk"},
        headers={**as_user(made.manager_user), "Idempotency-Key": "new-client"},
    )
    assert created.status_code == 201
    erased = client.post(
        f"{API}/clients/{created.json['id']}/erase", headers=as_user(made.manager_user)
    )
    assert erased.status_code == 200

    replay = client.post(
        f"{API}/clients",
        json={"program_id": made.program.id, "display_name": "Mira Kowalczyk"},
        headers={**as_user(made.manager_user), "Idempotency-Key": "new-client"},
    )

    assert replay.status_code == 201
    assert replay.json["display_name"] is None
    assert "Kowalczyk" not in replay.get_data(as_text=True)
    stored = session().scalars(select(IdempotencyRecord)).one()
    assert "Kowalczyk" not in str(stored.response_body)


def test_a_replayed_crisis_cadence_is_rendered_from_the_override_as_it_is_now(client) -> None:
    made = factories.world()
    path = f"{API}/partnerships/{made.partnership.id}/cadence-overrides"
    headers = {**as_user(made.manager_user), "Idempotency-Key": "crisis"}
    body = {"weeks": 2, "reason": "A hard month at home.", "meetings_per_week": 3}
    first = client.post(path, json=body, headers=headers)
    assert first.status_code == 201
    ended = client.post(
        f"{path}/{first.json['id']}/end", headers=as_user(made.manager_user), json={}
    )
    assert ended.status_code == 200

    replay = client.post(path, json=body, headers=headers)

    assert (replay.status_code, replay.headers["Idempotent-Replayed"]) == (201, "true")
    assert replay.json["id"] == first.json["id"]
    assert replay.json["ended_early_at"] is not None


def test_a_cadence_override_is_not_found_outside_its_partnerships_reach(client) -> None:
    made = factories.world()
    raised = client.post(
        f"{API}/partnerships/{made.partnership.id}/cadence-overrides",
        json={"weeks": 1, "reason": "A hard week.", "meetings_per_week": 2},
        headers=as_user(made.manager_user),
    )
    url = f"{API}/cadence-overrides/{raised.json['id']}"
    assert client.get(url, headers=as_user(made.partner_user)).status_code == 200
    stranger = factories.world().manager_user
    outside = client.get(url, headers=as_user(stranger))
    assert (outside.status_code, outside.json["error"]["code"]) == (404, "not_found")
    last = _audit_rows(stranger)[-1]
    assert (last.object_type, last.outcome) == ("cadence_override", "denied")


def test_a_service_called_after_a_replayed_request_audits_its_own_action(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    _meeting_post(client, made, made.partner_user)
    assert _meeting_post(client, made, made.partner_user).headers["Idempotent-Replayed"] == "true"
    partnerships.get_partnership(factories.actor(made.partner_user), made.partnership.id)
    assert [row.action for row in _audit_rows(made.partner_user)] == ["create", "replay", "read"]
