"""Afterschool programs: a partner logs one group activity for several of their
partnerships; each gets its own held meeting, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tpm_plugin.models import AccessAudit, Meeting
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS

API = "/tpm/api"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
WHEN = NOW - dt.timedelta(days=1)


def _afterschool(clients: int = 3) -> tuple[factories.World, list[int]]:
    made = factories.world(started_at=NOW - dt.timedelta(days=30), setting="afterschool")
    ids = [made.partnership.id] + [
        factories.partnership(
            made.program,
            partner=made.partner,
            supervisor=made.supervisor,
            started_at=NOW - dt.timedelta(days=30),
        ).id
        for _ in range(clients - 1)
    ]
    return made, ids


def _log(client, user: str, ids: list[int], **fields):
    body = {"partnership_ids": ids, "scheduled_at": WHEN.isoformat(), "minutes": 90, **fields}
    return client.post(f"{API}/group-activities", json=body, headers=factories.as_user(user))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_partner_logs_one_group_activity_as_a_meeting_per_partnership(client) -> None:
    made, ids = _afterschool()
    answer = _log(client, made.partner_user, ids)
    assert answer.status_code == 201, answer.json
    meetings = answer.json["meetings"]
    assert [m["partnership_id"] for m in meetings] == ids
    assert {m["status"] for m in meetings} == {"held"}
    assert {m["group_id"] for m in meetings} == {answer.json["group_id"]}
    assert factories.row_count(Meeting) == 3
    listed = client.get(
        f"{API}/partnerships/{ids[1]}/meetings", headers=factories.as_user(made.partner_user)
    ).json["items"]
    assert [m["minutes"] for m in listed] == [90]


def test_the_program_says_how_it_runs(client) -> None:
    made, _ = _afterschool(1)
    program = client.get(
        f"{API}/programs/{made.program.id}", headers=factories.as_user(made.manager_user)
    ).json
    assert program["setting"] == "afterschool"
    changed = client.patch(
        f"{API}/programs/{made.program.id}",
        json={"setting": "individual"},
        headers=factories.as_user(made.manager_user),
    )
    assert changed.json["setting"] == "individual"


def test_an_unknown_setting_is_422_naming_setting(client) -> None:
    made, _ = _afterschool(1)
    refused = client.patch(
        f"{API}/programs/{made.program.id}",
        json={"setting": "boarding"},
        headers=factories.as_user(made.manager_user),
    )
    assert refused.status_code == 422
    assert "setting" in refused.json["error"]["fields"]


def test_an_individual_program_takes_no_group_activities(client) -> None:
    made = factories.world(started_at=NOW - dt.timedelta(days=30))
    second = factories.partnership(
        made.program, partner=made.partner, started_at=NOW - dt.timedelta(days=30)
    )
    refused = _log(client, made.partner_user, [made.partnership.id, second.id])
    assert refused.status_code == 422
    assert "not an afterschool program" in refused.json["error"]["fields"]["partnership_ids"][0]
    assert factories.row_count(Meeting) == 0


def test_one_partnership_that_cannot_take_the_meeting_stops_them_all(client) -> None:
    made, ids = _afterschool()
    client.post(
        f"{API}/partnerships/{ids[2]}/meetings",
        json={"scheduled_at": WHEN.isoformat(), "status": "held", "minutes": 30},
        headers=factories.as_user(made.partner_user),
    )
    refused = _log(client, made.partner_user, ids)
    assert refused.status_code == 422
    assert list(refused.json["error"]["fields"]) == ["partnership_ids[2]"]
    assert "overlaps" in refused.json["error"]["fields"]["partnership_ids[2]"][0]
    assert factories.row_count(Meeting) == 1


def test_a_closed_partnership_stops_the_group(client) -> None:
    made, ids = _afterschool(2)
    factories.withdraw(made)
    refused = _log(client, made.partner_user, ids)
    assert refused.status_code == 422
    assert list(refused.json["error"]["fields"]) == ["partnership_ids[0]"]


def test_a_group_activity_in_the_future_is_refused(client) -> None:
    made, ids = _afterschool(2)
    refused = _log(
        client, made.partner_user, ids, scheduled_at=(NOW + dt.timedelta(days=1)).isoformat()
    )
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"partnership_ids[0]", "partnership_ids[1]"}


def test_partnerships_of_two_partners_are_not_one_group(client) -> None:
    made, ids = _afterschool(2)
    other = factories.partnership(made.program, started_at=NOW - dt.timedelta(days=30))
    refused = _log(client, made.manager_user, [ids[0], other.id])
    assert refused.status_code == 422
    assert "one partner" in refused.json["error"]["fields"]["partnership_ids"][0]


def test_another_partners_partnership_is_404_and_audited(client) -> None:
    made, ids = _afterschool(2)
    stranger = factories.world()
    refused = _log(client, made.partner_user, [ids[0], stranger.partnership.id])
    assert refused.status_code == 404
    assert factories.row_count(Meeting) == 0
    assert (
        session().scalar(
            select(AccessAudit.outcome).where(
                AccessAudit.action == "log_group_activity",
                AccessAudit.object_id == str(stranger.partnership.id),
            )
        )
        == "denied"
    )


def test_the_supervisor_does_not_log_group_activities(client) -> None:
    made, ids = _afterschool(2)
    refused = _log(client, made.supervisor_user, ids)
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"partnership_ids": [1]}, "partnership_ids"),
        ({"partnership_ids": [1, 1]}, "partnership_ids"),
        ({"minutes": -1}, "minutes"),
        ({"minutes": 300}, "minutes"),
        ({"scheduled_at": "2026-01-01T10:00:00"}, "scheduled_at"),
    ],
)
def test_a_bad_group_activity_is_422_naming_the_field(client, fields, field) -> None:
    made, ids = _afterschool(2)
    refused = _log(client, made.partner_user, ids, **fields)
    assert refused.status_code == 422
    assert any(key.startswith(field) for key in refused.json["error"]["fields"])
    assert factories.row_count(Meeting) == 0


def test_nobody_logged_in_gets_401(client) -> None:
    made, ids = _afterschool(2)
    answer = client.post(
        f"{API}/group-activities",
        json={"partnership_ids": ids, "scheduled_at": WHEN.isoformat(), "minutes": 30},
    )
    assert answer.status_code == 401
