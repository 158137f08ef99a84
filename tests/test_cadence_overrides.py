"""Crisis cadence: a supervisor or program manager raises a partnership's cadence for some
weeks with a reason; fidelity's owed figure follows it, it is audited, and it expires by
itself or ends early."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.models import AccessAudit, CadenceOverride, Partnership, TransitionAudit
from tpm_plugin.services import fidelity
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user, row_count

API = "/tpm/api"
CRISIS = {"weeks": 2, "reason": "Client in crisis after a move.", "meetings_per_week": 5}


def _path(made: factories.World) -> str:
    return f"{API}/partnerships/{made.partnership.id}/cadence-overrides"


def _raise(client, made: factories.World, user: str | None = None, **changes):
    return client.post(
        _path(made), json={**CRISIS, **changes}, headers=as_user(user or made.supervisor_user)
    )


def _active_since(made: factories.World, weeks: int) -> None:
    """Activate the partnership and move its past ``weeks`` weeks back."""
    factories.activate(made)
    delta = dt.timedelta(weeks=weeks)
    partnership = session().get(Partnership, made.partnership.id)
    partnership.started_at -= delta
    partnership.stage_entered_at -= delta
    for row in session().scalars(select(TransitionAudit)):
        row.occurred_at -= delta
    session().commit()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_supervisor_raises_the_cadence_for_some_weeks_with_a_reason(app: Flask, client) -> None:
    made = factories.world()
    response = _raise(client, made)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["meetings_per_week"], body["supervision_minutes_per_client"]) == (5, None)
    assert (body["weeks"], body["reason"], body["in_force"]) == (2, CRISIS["reason"], True)
    assert body["created_by"] == made.supervisor_user
    assert body["created_by_role"] == "supervisor"
    starts = dt.datetime.fromisoformat(body["starts_at"])
    assert dt.datetime.fromisoformat(body["ends_at"]) - starts == dt.timedelta(weeks=2)


def test_a_program_manager_raises_the_cadence_too(app: Flask, client) -> None:
    made = factories.world()
    response = _raise(client, made, made.manager_user, supervision_minutes_per_client=40)
    assert response.status_code == 201
    assert response.json["created_by_role"] == "program_manager"


def test_owed_follows_a_crisis_cadence_in_fidelity(app: Flask, client) -> None:
    made = factories.world()
    _active_since(made, 3)
    manager = factories.actor(made.manager_user)
    before = fidelity.partnership_fidelity(manager, made.partnership.id, weeks=2).weeks

    assert _raise(client, made, supervision_minutes_per_client=60).status_code == 201

    after = fidelity.partnership_fidelity(manager, made.partnership.id, weeks=2).weeks
    assert after[0] == before[0]  # last week is history
    assert after[1].owed.meetings > before[1].owed.meetings
    assert after[1].owed.supervision_minutes > before[1].owed.supervision_minutes
    assert after[1].owed.meetings <= 5


def test_a_crisis_cadence_expires_by_itself(app: Flask, client) -> None:
    made = factories.world()
    _active_since(made, 6)
    _raise(client, made, weeks=1)
    override = session().scalars(select(CadenceOverride)).one()
    override.starts_at -= dt.timedelta(weeks=3)
    override.ends_at -= dt.timedelta(weeks=3)
    session().commit()
    manager = factories.actor(made.manager_user)

    weeks = fidelity.partnership_fidelity(manager, made.partnership.id, weeks=5).weeks

    # In force for one week from three weeks ago: it raised at most two local weeks.
    raised = [w.owed.meetings > 3 for w in weeks]
    assert 1 <= sum(raised) <= 2
    assert raised[-1] is False and raised[0] is False
    listed = client.get(_path(made), headers=as_user(made.partner_user)).json["items"]
    assert listed[0]["in_force"] is False


def test_ending_a_crisis_cadence_early_stops_it_now(app: Flask, client) -> None:
    made = factories.world()
    override_id = _raise(client, made).json["id"]
    response = client.post(f"{_path(made)}/{override_id}/end", headers=as_user(made.manager_user))
    assert response.status_code == 200
    assert response.json["in_force"] is False
    assert response.json["ended_early_by"] == made.manager_user
    again = client.post(f"{_path(made)}/{override_id}/end", headers=as_user(made.manager_user))
    assert again.status_code == 409
    assert "no longer in force" in again.json["error"]["message"]


def test_crisis_cadences_are_listed_newest_first_for_everyone_on_the_partnership(
    app: Flask, client
) -> None:
    made = factories.world()
    first = _raise(client, made).json["id"]
    second = _raise(client, made, meetings_per_week=4).json["id"]
    for user in (made.partner_user, made.supervisor_user, made.manager_user):
        response = client.get(_path(made), headers=as_user(user))
        assert response.status_code == 200
        assert [item["id"] for item in response.json["items"]] == [second, first]
        assert response.json["total"] == 2


def test_raising_and_ending_a_crisis_cadence_are_audited(app: Flask, client) -> None:
    made = factories.world()
    override_id = _raise(client, made).json["id"]
    client.post(f"{_path(made)}/{override_id}/end", headers=as_user(made.supervisor_user))
    rows = (
        session()
        .scalars(select(AccessAudit).where(AccessAudit.object_type == "cadence_override"))
        .all()
    )
    assert [(r.actor_id, r.action, r.outcome, r.object_id) for r in rows] == [
        (made.supervisor_user, "create", "allowed", str(override_id)),
        (made.supervisor_user, "end", "allowed", str(override_id)),
    ]


def test_a_partner_cannot_raise_the_cadence(app: Flask, client) -> None:
    made = factories.world()
    response = _raise(client, made, made.partner_user)
    assert response.status_code == 403
    assert row_count(CadenceOverride) == 0
    denied = session().scalars(select(AccessAudit).where(AccessAudit.outcome == "denied")).one()
    assert (denied.actor_id, denied.action) == (made.partner_user, "raise_cadence")


def test_another_programs_supervisor_gets_404_and_nothing_is_written(app: Flask, client) -> None:
    made = factories.world()
    stranger = factories.world()
    response = _raise(client, made, stranger.supervisor_user)
    assert response.status_code == 404
    listed = client.get(_path(made), headers=as_user(stranger.partner_user))
    assert listed.status_code == 404
    assert row_count(CadenceOverride) == 0


def test_ending_another_partnerships_override_is_404(app: Flask, client) -> None:
    made = factories.world()
    other = factories.partnership(made.program, supervisor=made.supervisor)
    override_id = _raise(client, made).json["id"]
    response = client.post(
        f"{API}/partnerships/{other.id}/cadence-overrides/{override_id}/end",
        headers=as_user(made.supervisor_user),
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weeks": 2, "reason": "Crisis."}, "meetings_per_week"),
        ({**CRISIS, "weeks": 0}, "weeks"),
        ({**CRISIS, "weeks": 27}, "weeks"),
        ({**CRISIS, "weeks": "2"}, "weeks"),
        ({k: v for k, v in CRISIS.items() if k != "weeks"}, "weeks"),
        ({**CRISIS, "reason": ""}, "reason"),
        ({k: v for k, v in CRISIS.items() if k != "reason"}, "reason"),
        ({**CRISIS, "meetings_per_week": 15}, "meetings_per_week"),
        ({**CRISIS, "supervision_minutes_per_client": 0}, "supervision_minutes_per_client"),
        ({**CRISIS, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_crisis_cadence_answers_422_naming_the_field(
    app: Flask, client, body: dict, field: str
) -> None:
    made = factories.world()
    response = client.post(_path(made), json=body, headers=as_user(made.supervisor_user))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert row_count(CadenceOverride) == 0


def test_a_closed_partnership_takes_no_crisis_cadence(app: Flask, client) -> None:
    made = factories.world()
    factories.withdraw(made)
    response = _raise(client, made)
    assert response.status_code == 422
    assert "closed" in response.json["error"]["message"]
    assert row_count(CadenceOverride) == 0


def test_crisis_cadence_needs_a_logged_in_user(app: Flask, client) -> None:
    made = factories.world()
    assert client.post(_path(made), json=CRISIS).status_code == 401


def test_erasing_the_client_erases_the_reasons_of_their_crisis_cadences(app: Flask, client) -> None:
    made = factories.world()
    _raise(client, made)
    response = client.post(
        f"{API}/clients/{made.client.id}/erase", headers=as_user(made.manager_user)
    )
    assert response.status_code == 200
    assert response.json["rows_scrubbed"]["cadence_overrides"] == 1
    session().expire_all()
    assert session().scalars(select(CadenceOverride.reason)).one() == "[erased]"
