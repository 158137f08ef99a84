"""People and roles: a program manager sees the program's managers, supervisors and
partners, adds a supervisor or partner from the host's users, deactivates and reactivates
them, and removes a manager while another remains."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests import factories
from tpm_plugin.models import Partner, ProgramManager, Supervisor
from tpm_plugin.services import people
from tpm_plugin.services._unit import session

from .test_manager_editor import TOKEN, error_beside, with_token

PAGE = "/tpm/manager/people"


@pytest.fixture
def world(app: Flask) -> factories.World:
    # The host looks users up by id (numbers) here; an e-mail finds nobody.
    app.extensions["tpm"].ext.user_finder(lambda typed: typed if typed.isdigit() else None)
    return factories.world()


@pytest.fixture
def manager(client, world) -> dict[str, str]:
    with_token(client)
    return factories.as_user(world.manager_user)


def _add(client, manager, world, **typed: str):
    data = {"csrf_token": TOKEN, "role": "partner", "display_name": "Rosa", **typed}
    return client.post(f"{PAGE}/{world.program.id}", data=data, headers=manager)


def test_the_page_lists_the_programs_people(client, manager, world) -> None:
    page = client.get(PAGE, headers=manager)
    assert page.status_code == 200
    assert world.partner.display_name in page.text
    assert world.supervisor.display_name in page.text
    assert f"User {world.manager_user}" in page.text
    assert "People and roles" in client.get("/tpm/", headers=manager).text


def test_a_partner_is_added_from_the_hosts_users(client, manager, world) -> None:
    user = factories.new_user_id()
    added = _add(client, manager, world, user=user, contact="555-0100")
    assert added.status_code == 303
    partner = session().scalar(select(Partner).where(Partner.host_user_id == user))
    assert (partner.display_name, partner.program_id, partner.active) == (
        "Rosa",
        world.program.id,
        True,
    )
    assert factories.actor(user).partner_ids == frozenset({partner.id})


def test_a_supervisor_is_added_the_same_way(client, manager, world) -> None:
    user = factories.new_user_id()
    assert _add(client, manager, world, user=user, role="supervisor").status_code == 303
    assert session().scalar(select(Supervisor.id).where(Supervisor.host_user_id == user))


def test_a_user_the_host_does_not_know_is_named_beside_the_field(client, manager, world) -> None:
    partners = factories.row_count(Partner)
    refused = _add(client, manager, world, user="nobody@example.org")
    assert refused.status_code == 422
    assert "No user of this site" in error_beside(refused.text, "user")
    assert 'value="nobody@example.org"' in refused.text
    assert factories.row_count(Partner) == partners


def test_a_missing_name_is_named_beside_the_field(client, manager, world) -> None:
    partners = factories.row_count(Partner)
    refused = _add(client, manager, world, user=factories.new_user_id(), display_name="")
    assert refused.status_code == 422
    assert error_beside(refused.text, "display_name")
    assert factories.row_count(Partner) == partners


def test_an_unknown_role_is_named_beside_the_field(client, manager, world) -> None:
    refused = _add(client, manager, world, user=factories.new_user_id(), role="manager")
    assert refused.status_code == 422
    assert "supervisor or partner" in error_beside(refused.text, "role")


def test_a_user_who_is_already_a_partner_is_refused_with_409(client, manager, world) -> None:
    partners = factories.row_count(Partner)
    refused = _add(client, manager, world, user=world.partner_user)
    assert refused.status_code == 409
    assert error_beside(refused.text, "user")
    assert factories.row_count(Partner) == partners


def test_a_partner_is_deactivated_and_reactivated(client, manager, world) -> None:
    url = f"{PAGE}/partner/{world.partner.id}/active"
    off = client.post(url, data={"csrf_token": TOKEN, "active": "0"}, headers=manager)
    assert off.status_code == 303
    session().expire_all()
    assert session().get(Partner, world.partner.id).active is False
    assert "Reactivate" in client.get(off.headers["Location"], headers=manager).text
    client.post(url, data={"csrf_token": TOKEN, "active": "1"}, headers=manager)
    session().expire_all()
    assert session().get(Partner, world.partner.id).active is True


def test_a_manager_is_removed_while_another_remains_but_not_the_last(
    client, manager, world
) -> None:
    second = people.add_program_manager(
        factories.actor(world.manager_user), world.program.id, factories.new_user_id()
    )
    url = f"{PAGE}/{world.program.id}/managers/{second.id}/remove"
    assert client.post(url, data={"csrf_token": TOKEN}, headers=manager).status_code == 303
    [mine] = (
        session()
        .scalars(select(ProgramManager).where(ProgramManager.program_id == world.program.id))
        .all()
    )
    last = f"{PAGE}/{world.program.id}/managers/{mine.id}/remove"
    refused = client.post(last, data={"csrf_token": TOKEN}, headers=manager)
    assert refused.status_code == 409 and refused.mimetype == "text/html"


def test_another_programs_people_are_a_404_page(client, manager, world) -> None:
    other = factories.world()
    assert client.get(f"{PAGE}?program_id={other.program.id}", headers=manager).status_code == 404
    url = f"{PAGE}/partner/{other.partner.id}/active"
    refused = client.post(url, data={"csrf_token": TOKEN, "active": "0"}, headers=manager)
    assert refused.status_code == 404
    session().expire_all()
    assert session().get(Partner, other.partner.id).active is True
    added = _add(client, manager, other, user=factories.new_user_id())
    assert added.status_code == 404


def test_a_supervisor_finds_no_people_page(client, world) -> None:
    page = client.get(PAGE, headers=factories.as_user(world.supervisor_user))
    assert page.status_code == 404


def test_adding_without_the_csrf_token_is_refused(client, manager, world) -> None:
    partners = factories.row_count(Partner)
    refused = client.post(
        f"{PAGE}/{world.program.id}",
        data={"role": "partner", "display_name": "Rosa", "user": factories.new_user_id()},
        headers=manager,
    )
    assert refused.status_code == 400
    assert factories.row_count(Partner) == partners


def test_changing_a_kind_of_person_this_page_does_not_manage_is_refused(
    client, manager, world
) -> None:
    url = f"{PAGE}/client/{world.client.id}/active"
    refused = client.post(url, data={"csrf_token": TOKEN, "active": "0"}, headers=manager)
    assert refused.status_code == 422 and refused.mimetype == "text/html"
