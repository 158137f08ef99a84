"""A page of partnerships on PostgreSQL costs two statements, its access-audit row
included: the actor's roles, then the page, which inserts the row in a data-modifying CTE.
The row says what the separate insert says on every backend. Counted with a SQLAlchemy
``before_cursor_execute`` listener."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tpm_plugin.models import AccessAudit
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user
from .test_list_queries import counting

LIST = "/tpm/api/partnerships"


def _list_rows(user: str) -> list[tuple]:
    return (
        session()
        .execute(
            select(
                AccessAudit.actor_role,
                AccessAudit.program_id,
                AccessAudit.object_ids,
                AccessAudit.outcome,
            )
            .where(AccessAudit.actor_id == user, AccessAudit.action == "list")
            .order_by(AccessAudit.id)
        )
        .all()
    )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_page_of_partnerships_costs_two_statements_its_audit_row_included(app, client):
    made = factories.world()
    with counting(app) as statements:
        response = client.get(LIST, headers=as_user(made.manager_user))
    assert response.status_code == 200, response.json
    assert len(statements) == 2, statements
    assert "INSERT INTO tpm_access_audit" in statements[1]
    assert len(_list_rows(made.manager_user)) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_pages_audit_row_names_its_ids_in_page_order_the_role_and_the_program(app, client):
    made = factories.world()
    second = factories.partnership(made.program, client=factories.client(made.program))
    response = client.get(f"{LIST}?sort=-id", headers=as_user(made.manager_user))
    ids = [item["id"] for item in response.json["items"]]
    assert ids == [second.id, made.partnership.id]
    assert _list_rows(made.manager_user) == [("program_manager", made.program.id, ids, "allowed")]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_partner_listing_is_audited_as_partner(app, client):
    made = factories.world()
    response = client.get(LIST, headers=as_user(made.partner_user))
    assert [item["id"] for item in response.json["items"]] == [made.partnership.id]
    assert _list_rows(made.partner_user) == [
        ("partner", made.program.id, [made.partnership.id], "allowed")
    ]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_page_past_the_end_is_audited_with_no_ids_and_the_filtered_program(app, client):
    made = factories.world()
    response = client.get(
        f"{LIST}?page=5&program_id={made.program.id}", headers=as_user(made.manager_user)
    )
    assert response.status_code == 200 and response.json["items"] == []
    assert response.json["total"] == 1
    assert _list_rows(made.manager_user) == [("program_manager", made.program.id, [], "allowed")]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_pages_of_two_programs_name_no_program(app, client):
    made = factories.world()
    other = factories.world(managers=(made.manager_user,))
    response = client.get(LIST, headers=as_user(made.manager_user))
    assert {item["program_id"] for item in response.json["items"]} == {
        made.program.id,
        other.program.id,
    }
    [(role, program_id, ids, _)] = _list_rows(made.manager_user)
    assert (role, program_id) == ("program_manager", None)
    assert ids == [item["id"] for item in response.json["items"]]
