"""A program's managers read its access audit through the API: filtered, paginated, in a
constant number of statements, the read audited too; each row names the role the actor held
on the object touched."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.models import AccessAudit
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user
from .test_list_queries import counting

API = "/tpm/api"


def _audit(client, made: factories.World, user: str | None = None, **filters):
    return client.get(
        f"{API}/programs/{made.program.id}/audit",
        query_string=filters,
        headers=as_user(user or made.manager_user),
    )


def _read_partnership(client, made: factories.World, user: str) -> None:
    response = client.get(f"{API}/partnerships/{made.partnership.id}", headers=as_user(user))
    assert response.status_code == 200


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_manager_reads_who_touched_their_programs_care_data(client) -> None:
    made = factories.world()
    other = factories.world()
    _read_partnership(client, made, made.partner_user)
    _read_partnership(client, other, other.partner_user)

    response = _audit(client, made, actor_id=made.partner_user)

    assert response.status_code == 200
    [row] = response.json["items"]
    assert (row["actor_role"], row["action"], row["outcome"]) == ("partner", "read", "allowed")
    assert (row["object_type"], row["object_id"]) == ("partnership", str(made.partnership.id))
    assert row["partnership_id"] == made.partnership.id
    assert row["program_id"] == made.program.id


def test_the_audit_filters_by_partnership_action_and_time(client) -> None:
    made = factories.world()
    second = factories.partnership(made.program)
    _read_partnership(client, made, made.supervisor_user)
    client.get(f"{API}/partnerships/{second.id}/meetings", headers=as_user(made.manager_user))

    response = _audit(client, made, partnership_id=second.id)
    assert response.status_code == 200, response.json
    by_partnership = response.json["items"]
    listed = _audit(client, made, action="list_meetings").json["items"]
    future = _audit(client, made, occurred_from="2100-01-01T00:00:00+00:00").json
    past = _audit(client, made, occurred_before="2000-01-01T00:00:00+00:00").json

    assert {row["partnership_id"] for row in by_partnership} == {second.id}
    assert [row["object_ids"] for row in by_partnership if row["action"] == "list"] == [[]]
    assert listed == []
    assert (future["total"], past["total"]) == (0, 0)


def test_the_audit_pages_newest_first(client) -> None:
    made = factories.world()
    for _ in range(3):
        _read_partnership(client, made, made.partner_user)
    first = _audit(client, made, actor_id=made.partner_user, page_size=2).json
    second = _audit(client, made, actor_id=made.partner_user, page_size=2, page=2).json
    ids = [row["id"] for row in first["items"] + second["items"]]
    assert first["total"] == 3
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 3


def test_reading_the_audit_is_audited(client) -> None:
    made = factories.world()
    response = _audit(client, made)
    row = session().scalars(select(AccessAudit).where(AccessAudit.action == "read_audit")).one()
    assert (row.actor_id, row.actor_role, row.outcome) == (
        made.manager_user,
        "program_manager",
        "allowed",
    )
    assert row.program_id == made.program.id
    assert row.object_ids == [item["id"] for item in response.json["items"]]


@pytest.mark.parametrize("who", ["partner_user", "supervisor_user", "stranger"])
def test_only_the_programs_managers_read_its_audit(client, who: str) -> None:
    made = factories.world()
    user = factories.world().manager_user if who == "stranger" else getattr(made, who)
    response = _audit(client, made, user)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    denied = session().scalars(select(AccessAudit).where(AccessAudit.actor_id == user)).all()
    assert [(row.action, row.outcome) for row in denied][-1] == ("read_audit", "denied")


def test_a_bad_filter_is_422_naming_it(client) -> None:
    made = factories.world()
    response = _audit(client, made, occurred_from="yesterday")
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["occurred_from"]


def test_the_audit_reads_in_the_same_statements_for_5_rows_as_for_50(app: Flask, client) -> None:
    made = factories.world()
    counts = []
    for size in (5, 50):
        for _ in range(size):
            _read_partnership(client, made, made.partner_user)
        with counting(app) as statements:
            response = _audit(client, made, actor_id=made.partner_user, page_size=100)
        assert len(response.json["items"]) == response.json["total"]
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_the_role_recorded_is_the_one_held_on_the_object(client) -> None:
    """A user who manages one program and is a partner in another is recorded as the
    partner when they read their partnership there."""
    mine = factories.world()
    elsewhere = factories.world()
    user = mine.manager_user
    partner = factories.partner(elsewhere.program, user_id=user)
    partnership = factories.partnership(elsewhere.program, partner=partner)

    own = client.get(f"{API}/partnerships/{mine.partnership.id}", headers=as_user(user))
    theirs = client.get(f"{API}/partnerships/{partnership.id}", headers=as_user(user))

    assert (own.status_code, theirs.status_code) == (200, 200)
    rows = session().scalars(
        select(AccessAudit).where(AccessAudit.actor_id == user, AccessAudit.action == "read")
    )
    roles = {int(row.object_id): row.actor_role for row in rows}
    assert roles == {mine.partnership.id: "program_manager", partnership.id: "partner"}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("write_behind", [True, False])
def test_a_get_commits_its_audit_row_without_waiting_for_the_wal_only_when_configured(
    app: Flask, client, write_behind: bool
) -> None:
    app.config["TPM_AUDIT_ASYNC_COMMIT"] = write_behind
    made = factories.world()
    with counting(app) as statements:
        _read_partnership(client, made, made.partner_user)
    [insert] = [s for s in statements if s.lstrip().upper().startswith("INSERT")]
    assert ("set_config" in insert) is write_behind
    assert not any("synchronous_commit" in s for s in statements if s is not insert)
    row = session().scalars(select(AccessAudit).where(AccessAudit.action == "read")).one()
    assert (row.actor_role, row.object_id) == ("partner", str(made.partnership.id))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_post_always_waits_for_its_audit_row_to_be_durable(app: Flask, client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    with counting(app) as statements:
        response = client.post(
            f"{API}/partnerships/{made.partnership.id}/meetings",
            json={"scheduled_at": "2024-03-05T16:00:00+01:00"},
            headers=as_user(made.partner_user),
        )
    assert response.status_code == 201
    assert not any("set_config" in s or "synchronous_commit" in s for s in statements)
