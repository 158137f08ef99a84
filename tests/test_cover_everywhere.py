"""During an absence, the cover sees exactly the covered partnerships wherever partnerships
are listed or reached through their people: ``GET /partnerships`` (in the same statements as
any list), the covered clients (``GET /clients/<id>`` and ``/clients``), the covered
partnerships' meetings of a group activity, and the blocks on the cover's week page. Each
read is audited with the cover's role (supervisor); nothing else of the absent supervisor's
shows, nothing can be changed, and it all ends by itself with the grant."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tpm_plugin.models import AccessAudit, Client, CoverGrant, Partnership, Supervisor
from tpm_plugin.services import scheduling
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.supervision_placement.requests import local_monday
from tpm_plugin.services.supervision_placement.weekly import place_program_week

from . import factories
from .conftest import BACKENDS
from .test_list_queries import counting

API = "/tpm/api"
ZONE = "America/Chicago"
EVERY_DAY = [{"weekday": n, "starts_at": dt.time(0), "ends_at": dt.time(23, 59)} for n in range(7)]


def _covered(**program_fields) -> tuple[factories.World, int, Supervisor, dt.date]:
    """An active partnership whose supervisor is away all this week, its block placed with
    the cover (who is granted it by the placement), and another partnership of the same
    supervisor with another client, which owes nothing this week (no block, no grant)."""
    made = factories.world(timezone=ZONE, **program_fields)
    factories.activate(made)
    untouched = factories.partnership(made.program, supervisor=made.supervisor)
    cover = factories.supervisor(made.program)
    manager = factories.actor(made.manager_user)
    scheduling.set_availability(manager, cover.id, EVERY_DAY)
    monday = local_monday(ZONE, dt.datetime.now(dt.UTC))
    factories.absence(made, cover, monday, days=6)
    place_program_week(made.program.id, monday)
    # The grant the placement made ends with the local week; centred on now instead, a test
    # started just before the week turns does not see it end halfway.
    _grant_moved(dt.timedelta(hours=-1), dt.timedelta(days=2))
    return made, untouched.id, cover, monday


def _grant_moved(starts_in: dt.timedelta, ends_in: dt.timedelta) -> None:
    now = dt.datetime.now(dt.UTC)
    with unit_of_work() as unit:
        unit.session.execute(
            update(CoverGrant).values(starts_at=now + starts_in, ends_at=now + ends_in)
        )


OUTSIDE = [
    (dt.timedelta(days=1), dt.timedelta(days=3)),
    (dt.timedelta(days=-3), dt.timedelta(days=-1)),
]


def _audit(user: str, object_type: str) -> list[tuple]:
    session().rollback()
    return [
        tuple(row)
        for row in session().execute(
            select(
                AccessAudit.action,
                AccessAudit.actor_role,
                AccessAudit.outcome,
                AccessAudit.object_id,
                AccessAudit.object_ids,
            )
            .where(AccessAudit.actor_id == user, AccessAudit.object_type == object_type)
            .order_by(AccessAudit.id)
        )
    ]


def _client_of(partnership_id: int) -> int:
    return session().scalar(select(Partnership.client_id).where(Partnership.id == partnership_id))


# --- GET /partnerships ----------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_cover_lists_exactly_the_covered_partnership_audited_as_supervisor(
    app: Flask, client: FlaskClient
):
    made, untouched, cover, _ = _covered()
    own = factories.partnership(made.program, supervisor=cover)
    answer = client.get(
        f"{API}/partnerships?sort=id", headers=factories.as_user(cover.host_user_id)
    )
    assert answer.status_code == 200, answer.json
    ids = [item["id"] for item in answer.json["items"]]
    assert ids == sorted([made.partnership.id, own.id]) and untouched not in ids
    assert answer.json["total"] == 2
    [row] = [r for r in _audit(cover.host_user_id, "partnership") if r[0] == "list"]
    assert row == ("list", "supervisor", "allowed", None, ids)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_cover_who_supervises_nothing_else_lists_the_covered_one_filtered_too(
    app: Flask, client: FlaskClient
):
    made, _, cover, _ = _covered()
    headers = factories.as_user(cover.host_user_id)
    for query in (
        f"supervisor_id={made.supervisor.id}",
        f"partner_id={made.partner.id}",
        "stage=active",
        "overdue=false",
    ):
        answer = client.get(f"{API}/partnerships?{query}", headers=headers)
        assert answer.status_code == 200, (query, answer.json)
        assert [item["id"] for item in answer.json["items"]] == [made.partnership.id], query
    audited = [r for r in _audit(cover.host_user_id, "partnership") if r[0] == "list"]
    assert {(role, outcome) for _, role, outcome, _, _ in audited} == {("supervisor", "allowed")}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(("starts_in", "ends_in"), OUTSIDE, ids=["before", "after"])
def test_outside_the_grant_the_covered_partnership_is_not_listed(
    app: Flask, client: FlaskClient, starts_in: dt.timedelta, ends_in: dt.timedelta
):
    _, _, cover, _ = _covered()
    _grant_moved(starts_in, ends_in)
    answer = client.get(f"{API}/partnerships", headers=factories.as_user(cover.host_user_id))
    assert answer.status_code == 200 and answer.json["items"] == []
    assert answer.json["total"] == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_covers_list_costs_what_a_supervisors_list_costs(app: Flask, client: FlaskClient):
    made, _, cover, _ = _covered()
    # Two more partnerships of the same partner, covered too: the statements stay the same.
    counts = []
    for _ in range(2):
        with counting(app) as statements:
            answer = client.get(
                f"{API}/partnerships", headers=factories.as_user(cover.host_user_id)
            )
        counts.append((len(statements), answer.json["total"]))
        for _ in range(2):
            extra = factories.partnership(
                made.program, partner=made.partner, supervisor=made.supervisor
            )
            with unit_of_work() as unit:
                grant = unit.session.scalars(select(CoverGrant)).first()
                unit.session.add(
                    CoverGrant(
                        absence_id=grant.absence_id,
                        cover_supervisor_id=cover.id,
                        partnership_id=extra.id,
                        starts_at=grant.starts_at,
                        ends_at=grant.ends_at,
                    )
                )
    with counting(app) as statements:
        client.get(f"{API}/partnerships", headers=factories.as_user(made.supervisor_user))
    assert [total for _, total in counts] == [1, 3]
    assert counts[0][0] == counts[1][0] == len(statements)


# --- clients --------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_cover_reads_the_covered_client_and_no_other_of_the_absent_supervisors(
    app: Flask, client: FlaskClient
):
    made, untouched, cover, _ = _covered()
    headers = factories.as_user(cover.host_user_id)
    covered_client = _client_of(made.partnership.id)
    answer = client.get(f"{API}/clients/{covered_client}", headers=headers)
    assert answer.status_code == 200, answer.json
    assert answer.json["display_name"] == made.client.display_name
    other = client.get(f"{API}/clients/{_client_of(untouched)}", headers=headers)
    assert other.status_code == 404
    listed = client.get(f"{API}/clients", headers=headers)
    assert [item["id"] for item in listed.json["items"]] == [covered_client]
    rows = _audit(cover.host_user_id, "client")
    assert rows == [
        ("read", "supervisor", "allowed", str(covered_client), None),
        ("read", None, "denied", str(_client_of(untouched)), None),
        ("list", "supervisor", "allowed", None, [covered_client]),
    ]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(("starts_in", "ends_in"), OUTSIDE, ids=["before", "after"])
def test_outside_the_grant_the_covered_client_is_404_and_audited(
    app: Flask, client: FlaskClient, starts_in: dt.timedelta, ends_in: dt.timedelta
):
    made, _, cover, _ = _covered()
    _grant_moved(starts_in, ends_in)
    headers = factories.as_user(cover.host_user_id)
    covered_client = _client_of(made.partnership.id)
    assert client.get(f"{API}/clients/{covered_client}", headers=headers).status_code == 404
    assert client.get(f"{API}/clients", headers=headers).json["items"] == []
    assert _audit(cover.host_user_id, "client")[0][:3] == ("read", None, "denied")


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_cover_changes_no_client(app: Flask, client: FlaskClient):
    made, _, cover, _ = _covered()
    covered_client = _client_of(made.partnership.id)
    answer = client.patch(
        f"{API}/clients/{covered_client}",
        json={"display_name": "Someone Else"},
        headers=factories.as_user(cover.host_user_id),
    )
    # Changes reach clients through the write scope, which has no cover: as if not there.
    assert answer.status_code == 404, answer.json
    assert answer.json["error"]["message"]
    session().rollback()
    assert session().get(Client, covered_client).display_name == made.client.display_name
    assert [r[2] for r in _audit(cover.host_user_id, "client")] == ["denied"]


# --- group activities -----------------------------------------------------------------


def _group(client: FlaskClient) -> tuple[factories.World, list[int], Supervisor, str]:
    """An afterschool partner's group activity of two partnerships; a cover granted the
    first only (the other's supervisor is not away)."""
    earlier = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    made = factories.world(started_at=earlier, setting="afterschool")
    second = factories.partnership(
        made.program, partner=made.partner, supervisor=made.supervisor, started_at=earlier
    )
    ids = [made.partnership.id, second.id]
    logged = client.post(
        f"{API}/group-activities",
        json={
            "partnership_ids": ids,
            "scheduled_at": (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(),
            "minutes": 60,
        },
        headers=factories.as_user(made.partner_user),
    )
    assert logged.status_code == 201, logged.json
    cover = factories.supervisor(made.program)
    today = dt.date.today()
    factories.grant_cover(factories.absence(made, cover, today), cover, [ids[0]])
    return made, ids, cover, logged.json["group_id"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_cover_reads_only_the_covered_meeting_of_a_group_activity(
    app: Flask, client: FlaskClient
):
    made, ids, cover, group_id = _group(client)
    answer = client.get(
        f"{API}/group-activities/{group_id}", headers=factories.as_user(cover.host_user_id)
    )
    assert answer.status_code == 200, answer.json
    [meeting] = answer.json["meetings"]
    assert meeting["partnership_id"] == ids[0]
    [row] = _audit(cover.host_user_id, "meeting")
    assert row == ("read_group_activity", "supervisor", "allowed", None, [meeting["id"]])
    # The partner still reads both, as partner.
    both = client.get(
        f"{API}/group-activities/{group_id}", headers=factories.as_user(made.partner_user)
    )
    assert [m["partnership_id"] for m in both.json["meetings"]] == ids
    assert _audit(made.partner_user, "meeting")[-1][:3] == (
        "read_group_activity",
        "partner",
        "allowed",
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(("starts_in", "ends_in"), OUTSIDE, ids=["before", "after"])
def test_outside_the_grant_the_group_activity_is_404_and_audited(
    app: Flask, client: FlaskClient, starts_in: dt.timedelta, ends_in: dt.timedelta
):
    _, _, cover, group_id = _group(client)
    _grant_moved(starts_in, ends_in)
    answer = client.get(
        f"{API}/group-activities/{group_id}", headers=factories.as_user(cover.host_user_id)
    )
    assert answer.status_code == 404
    assert [r[2] for r in _audit(cover.host_user_id, "meeting")] == ["denied"]


# --- the cover's week page ------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_covers_week_page_shows_the_covered_block_and_its_client(
    app: Flask, client: FlaskClient
):
    made, untouched, cover, monday = _covered()
    page = client.get(
        f"/tpm/supervisor/week?date={monday.isoformat()}",
        headers=factories.as_user(cover.host_user_id),
    )
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Covering for another supervisor." in body
    assert made.partner.display_name in body  # the block's heading
    assert made.client.display_name.split()[0] in body  # on the agenda
    # Not theirs to move or review: the covered partnership is not in "I supervise".
    assert f"/tpm/partnerships/{made.partnership.id}/stage" not in body
    assert f"/tpm/partnerships/{untouched}/stage" not in body


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_cover_who_manages_another_program_reads_the_covered_ones_as_supervisor(
    app: Flask, client: FlaskClient
):
    made, _, cover, _ = _covered()
    factories.program(managers=(cover.host_user_id,))
    headers = factories.as_user(cover.host_user_id)
    listed = client.get(f"{API}/partnerships", headers=headers)
    assert [item["id"] for item in listed.json["items"]] == [made.partnership.id]
    covered_client = _client_of(made.partnership.id)
    assert client.get(f"{API}/clients/{covered_client}", headers=headers).status_code == 200
    assert client.get(f"{API}/clients", headers=headers).status_code == 200
    roles = [
        (kind, action, role)
        for kind in ("partnership", "client")
        for action, role, *_ in _audit(cover.host_user_id, kind)
    ]
    assert roles == [
        ("partnership", "list", "supervisor"),
        ("client", "read", "supervisor"),
        ("client", "list", "supervisor"),
    ]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_the_covered_ids_are_read_once_beside_the_index_scans(
    app: Flask, client: FlaskClient
):
    # "id IN (subquery)" inside the scope's OR makes PostgreSQL scan every partnership;
    # "id = ANY(ARRAY(subquery))" reads the grants once and keeps the OR on indexes.
    _, _, cover, _ = _covered()
    with counting(app) as statements:
        client.get(f"{API}/partnerships", headers=factories.as_user(cover.host_user_id))
    [page] = [s for s in statements if "tpm_cover_grants" in s]
    assert "= ANY(ARRAY(SELECT tpm_cover_grants.partnership_id" in page
    assert "IN (SELECT tpm_cover_grants.partnership_id" not in page.split("access_audit_row")[0]
