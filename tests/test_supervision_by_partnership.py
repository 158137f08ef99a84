"""``GET /supervision-sessions?partnership_id=``: the sessions that discussed one
partnership."""

from __future__ import annotations

import pytest

from . import factories
from .conftest import BACKENDS

API = "/tpm/api/supervision-sessions"
WHEN = "2024-05-06T15:00:00+02:00"


def _session(client, made: factories.World, partnership_ids: list[int]) -> int:
    created = client.post(
        API,
        json={
            "partner_id": made.partner.id,
            "scheduled_at": WHEN,
            "status": "held",
            "held_minutes": 20,
            "partnership_ids": partnership_ids,
        },
        headers=factories.as_user(made.supervisor_user),
    )
    assert created.status_code == 201, created.json
    return created.json["id"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_sessions_are_listed_for_one_partnership(client) -> None:
    made = factories.world()
    second = factories.partnership(made.program, partner=made.partner, supervisor=made.supervisor)
    both = _session(client, made, [made.partnership.id, second.id])
    only_second = _session(client, made, [second.id])
    _session(client, made, [])
    listed = client.get(
        API,
        query_string={"partnership_id": made.partnership.id},
        headers=factories.as_user(made.supervisor_user),
    )
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json["items"]] == [both]
    assert listed.json["total"] == 1
    other = client.get(
        API,
        query_string={"partnership_id": second.id, "sort": "id"},
        headers=factories.as_user(made.supervisor_user),
    ).json
    assert [item["id"] for item in other["items"]] == [both, only_second]


def test_another_supervisors_partnership_lists_nothing(client) -> None:
    made, other = factories.world(), factories.world()
    _session(client, made, [made.partnership.id])
    listed = client.get(
        API,
        query_string={"partnership_id": made.partnership.id},
        headers=factories.as_user(other.supervisor_user),
    ).json
    assert listed["items"] == [] and listed["total"] == 0


@pytest.mark.parametrize("bad", ["0", "x", str(2**31)])
def test_a_bad_partnership_id_filter_is_422_naming_it(client, bad: str) -> None:
    made = factories.world()
    refused = client.get(
        API, query_string={"partnership_id": bad}, headers=factories.as_user(made.supervisor_user)
    )
    assert refused.status_code == 422
    assert "partnership_id" in refused.json["error"]["fields"]
