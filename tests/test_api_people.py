"""/programs, /clients, /partners, /supervisors: program managers run their programs' people;
everyone else sees only who they work with. Bad input is a 422 naming the field, nothing
written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tpm_plugin.models import AccessAudit, Client, Partner, Program, ProgramManager
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user, row_count

API = "/tpm/api"


def _audit(object_type: str, action: str) -> list[AccessAudit]:
    return list(
        session().scalars(
            select(AccessAudit)
            .where(AccessAudit.object_type == object_type, AccessAudit.action == action)
            .order_by(AccessAudit.id)
        )
    )


# --- programs -------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_program_manager_creates_another_program_and_manages_it(client) -> None:
    program = factories.program()
    manager = factories.program_manager_of(program)
    response = client.post(
        f"{API}/programs",
        json={"key": "square-width", "name": "Square Width", "meetings_per_week": 2},
        headers=as_user(manager),
    )
    assert response.status_code == 201
    assert response.json["meetings_per_week"] == 2
    assert response.json["workflow_key"] == "square_width_therapeutic_partnership"
    managers = session().scalars(
        select(ProgramManager.host_user_id).where(ProgramManager.program_id == response.json["id"])
    )
    assert list(managers) == [manager]


def test_creating_a_program_needs_managing_one_already(client) -> None:
    made = factories.world()
    response = client.post(
        f"{API}/programs", json={"key": "new", "name": "New"}, headers=as_user(made.partner_user)
    )
    assert response.status_code == 403
    assert row_count(Program) == 1
    denied = [row.actor_id for row in _audit("program", "create") if row.outcome == "denied"]
    assert denied == [made.partner_user]


def test_program_key_already_used_is_409_naming_key(client) -> None:
    program = factories.program(key="children-yes")
    response = client.post(
        f"{API}/programs",
        json={"key": "children-yes", "name": "Again"},
        headers=as_user(factories.program_manager_of(program)),
    )
    assert response.status_code == 409
    assert "key" in response.json["error"]["fields"]


def test_unknown_timezone_is_422_naming_timezone(client) -> None:
    program = factories.program()
    response = client.post(
        f"{API}/programs",
        json={"key": "tz", "name": "TZ", "timezone": "Mars/Olympus"},
        headers=as_user(factories.program_manager_of(program)),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["timezone"]
    assert row_count(Program) == 1


def test_program_list_shows_only_programs_you_work_in(client) -> None:
    made = factories.world()
    factories.program()
    response = client.get(f"{API}/programs", headers=as_user(made.partner_user))
    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [made.program.id]
    assert response.json["total"] == 1


def test_supervisor_cannot_change_a_program(client) -> None:
    made = factories.world()
    response = client.patch(
        f"{API}/programs/{made.program.id}",
        json={"name": "Renamed"},
        headers=as_user(made.supervisor_user),
    )
    assert response.status_code == 403


def test_program_manager_changes_the_meeting_cadence(client) -> None:
    made = factories.world()
    response = client.patch(
        f"{API}/programs/{made.program.id}",
        json={"meetings_per_week": 4},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 200
    assert session().get(Program, made.program.id).meetings_per_week == 4


def test_program_manager_adds_another_manager(client) -> None:
    made = factories.world()
    newcomer = factories.new_user_id()
    response = client.post(
        f"{API}/programs/{made.program.id}/managers",
        json={"host_user_id": newcomer},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 201
    listed = client.get(
        f"{API}/programs/{made.program.id}/managers", headers=as_user(newcomer)
    ).json
    assert {row["host_user_id"] for row in listed} == {made.manager_user, newcomer}


def test_managers_of_another_program_are_404(client) -> None:
    made, other = factories.world(), factories.program()
    response = client.get(f"{API}/programs/{other.id}/managers", headers=as_user(made.manager_user))
    assert response.status_code == 404


# --- clients --------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_program_manager_adds_a_client_and_the_change_is_audited(client) -> None:
    program = factories.program()
    response = client.post(
        f"{API}/clients",
        json={
            "program_id": program.id,
            "display_name": "Ada",
            "date_of_birth": "2014-03-02",
            "is_minor": True,
            "consent_given_by": "guardian",
            "consent_given_at": "2024-05-01T10:00:00+02:00",
        },
        headers=as_user(factories.program_manager_of(program)),
    )
    assert response.status_code == 201
    assert response.json["consent_given_at"] == "2024-05-01T08:00:00+00:00"
    [audit] = _audit("client", "create")
    assert (audit.object_id, audit.outcome, audit.actor_role) == (
        str(response.json["id"]),
        "allowed",
        "program_manager",
    )


def test_client_in_a_program_you_do_not_manage_is_422_naming_program_id(client) -> None:
    mine, theirs = factories.program(), factories.program()
    response = client.post(
        f"{API}/clients",
        json={"program_id": theirs.id, "display_name": "Ada"},
        headers=as_user(factories.program_manager_of(mine)),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["program_id"]
    assert row_count(Client) == 0


def test_partner_cannot_add_clients(client) -> None:
    made = factories.world()
    response = client.post(
        f"{API}/clients",
        json={"program_id": made.program.id, "display_name": "Ada"},
        headers=as_user(made.partner_user),
    )
    assert response.status_code == 403
    assert row_count(Client) == 1
    assert [row.outcome for row in _audit("client", "create")] == ["allowed", "denied"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"display_name": "Ada"}, "program_id"),
        ({"program_id": "one", "display_name": "Ada"}, "program_id"),
        ({"program_id": 1, "display_name": 5}, "display_name"),
        ({"program_id": 1, "display_name": ""}, "display_name"),
        ({"program_id": 1, "display_name": "Ada", "is_admin": True}, "is_admin"),
        (
            {"program_id": 1, "display_name": "Ada", "consent_given_at": "2024-05-01T10:00"},
            "consent_given_at",
        ),
        ({"program_id": 1, "display_name": "Ada", "date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"program_id": 1, "display_name": "A\x00da"}, "display_name"),
        (
            {
                "program_id": 1,
                "display_name": "Ada",
                "is_minor": True,
                "consent_given_by": "client",
            },
            "consent_given_by",
        ),
        (
            {"program_id": 1, "display_name": "Ada", "consent_given_by": "neighbour"},
            "consent_given_by",
        ),
    ],
    ids=[
        "missing",
        "wrong-type-id",
        "wrong-type-name",
        "empty-name",
        "unknown-field",
        "naive-timestamp",
        "born-in-the-future",
        "nul-character",
        "minor-consenting-alone",
        "unknown-consent-giver",
    ],
)
def test_bad_client_body_is_422_naming_the_field_and_writes_nothing(client, body, field) -> None:
    program = factories.program()
    body = {**body, "program_id": program.id} if body.get("program_id") == 1 else body
    response = client.post(
        f"{API}/clients", json=body, headers=as_user(factories.program_manager_of(program))
    )
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert row_count(Client) == 0


def test_oversized_client_name_is_422_without_echoing_the_name(client) -> None:
    program = factories.program()
    name = "Ada Lovelace " * 40
    response = client.post(
        f"{API}/clients",
        json={"program_id": program.id, "display_name": name},
        headers=as_user(factories.program_manager_of(program)),
    )
    assert response.status_code == 422
    assert "Ada" not in response.get_data(as_text=True)


def test_malformed_json_is_400(client) -> None:
    program = factories.program()
    response = client.post(
        f"{API}/clients",
        data="{not json",
        content_type="application/json",
        headers=as_user(factories.program_manager_of(program)),
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed_json"


def test_form_body_is_415(client) -> None:
    program = factories.program()
    response = client.post(
        f"{API}/clients",
        data={"program_id": program.id},
        headers=as_user(factories.program_manager_of(program)),
    )
    assert response.status_code == 415


def test_reading_a_client_is_audited(client) -> None:
    made = factories.world()
    response = client.get(f"{API}/clients/{made.client.id}", headers=as_user(made.partner_user))
    assert response.status_code == 200
    [audit] = _audit("client", "read")
    assert (audit.actor_id, audit.actor_role, audit.object_id) == (
        made.partner_user,
        "partner",
        str(made.client.id),
    )


def test_client_list_audits_each_client_returned_in_one_row(client) -> None:
    made = factories.world()
    factories.client(made.program)
    response = client.get(f"{API}/clients", headers=as_user(made.manager_user))
    assert response.json["total"] == 2
    [row] = _audit("client", "list")
    assert sorted(row.object_ids) == sorted(item["id"] for item in response.json["items"])


def test_supervisor_sees_only_clients_of_partnerships_they_supervise(client) -> None:
    made = factories.world()
    factories.client(made.program)
    response = client.get(f"{API}/clients", headers=as_user(made.supervisor_user))
    assert [item["id"] for item in response.json["items"]] == [made.client.id]


def test_client_outside_your_partnerships_is_404_and_audited(client) -> None:
    made = factories.world()
    stranger = factories.client(made.program)
    response = client.get(f"{API}/clients/{stranger.id}", headers=as_user(made.partner_user))
    assert response.status_code == 404
    [denied] = [row for row in _audit("client", "read") if row.outcome == "denied"]
    assert denied.object_id == str(stranger.id)


def test_client_list_filters_by_program(client) -> None:
    made = factories.world()
    second = factories.program(managers=(made.manager_user,))
    other_client = factories.client(second)
    response = client.get(
        f"{API}/clients?program_id={second.id}", headers=as_user(made.manager_user)
    )
    assert [item["id"] for item in response.json["items"]] == [other_client.id]


def test_page_size_above_the_maximum_is_422_naming_page_size(client) -> None:
    made = factories.world()
    response = client.get(f"{API}/clients?page_size=101", headers=as_user(made.manager_user))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["page_size"]


def test_unknown_sort_is_422_naming_sort(client) -> None:
    made = factories.world()
    response = client.get(f"{API}/clients?sort=display_name", headers=as_user(made.manager_user))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["sort"]


def test_program_manager_corrects_a_clients_language(client) -> None:
    made = factories.world()
    response = client.patch(
        f"{API}/clients/{made.client.id}",
        json={"preferred_language": "pt-BR"},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 200
    assert response.json["preferred_language"] == "pt-BR"


# --- partners and supervisors ---------------------------------------------------------


def test_partner_linked_to_a_taken_host_user_is_409_naming_host_user_id(client) -> None:
    made = factories.world()
    response = client.post(
        f"{API}/partners",
        json={
            "program_id": made.program.id,
            "display_name": "Bea",
            "host_user_id": made.partner_user,
        },
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 409
    assert list(response.json["error"]["fields"]) == ["host_user_id"]
    assert row_count(Partner) == 1


def test_program_manager_deactivates_a_partner(client) -> None:
    made = factories.world()
    response = client.patch(
        f"{API}/partners/{made.partner.id}",
        json={"active": False},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 200
    assert session().get(Partner, made.partner.id).active is False


def test_supervisor_cannot_change_a_partner(client) -> None:
    made = factories.world()
    response = client.patch(
        f"{API}/partners/{made.partner.id}",
        json={"display_name": "Renamed"},
        headers=as_user(made.supervisor_user),
    )
    assert response.status_code == 403


def test_partner_sees_themselves_and_their_supervisor(client) -> None:
    made = factories.world()
    factories.partner(made.program)
    factories.supervisor(made.program)
    partners = client.get(f"{API}/partners", headers=as_user(made.partner_user)).json
    supervisors = client.get(f"{API}/supervisors", headers=as_user(made.partner_user)).json
    assert [item["id"] for item in partners["items"]] == [made.partner.id]
    assert [item["id"] for item in supervisors["items"]] == [made.supervisor.id]


def test_program_manager_adds_a_supervisor(client) -> None:
    made = factories.world()
    response = client.post(
        f"{API}/supervisors",
        json={"program_id": made.program.id, "display_name": "Sam", "contact": None},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 201
    assert response.json["active"] is True
