"""Setting a center up from nothing: ``flask tpm programs create`` makes the first program
and its managers, ``flask tpm people add|remove`` gives and takes roles, and a program always
keeps one manager (through the command line and ``DELETE /programs/<id>/managers/<id>``)."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from flask_login import UserMixin
from sqlalchemy import select

from tpm_plugin.errors import Conflict
from tpm_plugin.models import AccessAudit, Partner, Program, ProgramManager, Supervisor
from tpm_plugin.services._unit import session
from tpm_plugin.services.membership import remove_program_manager

from . import factories
from .conftest import BACKENDS
from .factories import as_user, row_count

API = "/tpm/api"
#: The users of the host in these tests: id -> e-mail.
HOST_USERS = {"1": "ann@center.example", "2": "bo@center.example", "3": "cy@center.example"}


class HostUser(UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


@pytest.fixture
def host(app: Flask) -> Flask:
    """The test host with a Flask-Login ``user_loader`` knowing :data:`HOST_USERS` by id
    (``int()`` of an e-mail fails in it, as in many hosts)."""

    @app.login_manager.user_loader
    def load_user(user_id: str) -> HostUser | None:
        return HostUser(user_id) if str(int(user_id)) in HOST_USERS else None

    return app


def _tpm(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["tpm", *args])


def _managers(program_key: str) -> list[str]:
    return list(
        session().scalars(
            select(ProgramManager.host_user_id)
            .join(Program, Program.id == ProgramManager.program_id)
            .where(Program.key == program_key)
            .order_by(ProgramManager.host_user_id)
        )
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_first_program_manager_made_on_the_command_line_can_use_the_api(host: Flask) -> None:
    result = _tpm(host, "programs", "create", "yes", "--name", "Children YES", "--manager", "1")
    assert result.exit_code == 0, result.output
    assert "Program 'yes' created" in result.output
    response = host.test_client().get(f"{API}/programs", headers=as_user("1"))
    assert response.status_code == 200
    assert [item["key"] for item in response.json["items"]] == ["yes"]
    assert response.json["items"][0]["name"] == "Children YES"


def test_programs_create_takes_several_managers_and_the_program_settings(host: Flask) -> None:
    result = _tpm(
        host,
        *("programs", "create", "sq", "--name", "Square Width", "--manager", "1"),
        *("--manager", "2", "--timezone", "Europe/Oslo"),
    )
    assert result.exit_code == 0, result.output
    assert _managers("sq") == ["1", "2"]
    assert session().scalar(select(Program.timezone).where(Program.key == "sq")) == "Europe/Oslo"


def test_programs_create_refuses_a_user_the_host_does_not_know_and_writes_nothing(
    host: Flask,
) -> None:
    result = _tpm(host, "programs", "create", "yes", "--name", "YES", "--manager", "99")
    assert result.exit_code == 1
    assert "No host user '99'" in result.output
    assert "Traceback" not in result.output
    assert row_count(Program) == 0


def test_an_email_needs_a_user_finder_and_the_refusal_says_so(host: Flask) -> None:
    result = _tpm(host, "programs", "create", "yes", "--name", "YES", "--manager", HOST_USERS["1"])
    assert result.exit_code == 1
    assert "@tpm.user_finder" in result.output
    assert row_count(Program) == 0


def test_a_registered_user_finder_finds_managers_by_email(host: Flask) -> None:
    by_email = {email: user_id for user_id, email in HOST_USERS.items()}
    host.extensions["tpm"].ext.user_finder(by_email.get)
    result = _tpm(host, "programs", "create", "yes", "--name", "YES", "--manager", HOST_USERS["2"])
    assert result.exit_code == 0, result.output
    assert _managers("yes") == ["2"]


def test_find_user_answers_the_registered_finders_user_as_a_string_id(host: Flask) -> None:
    tpm = host.extensions["tpm"].ext
    tpm.user_finder(lambda typed: 2 if typed == HOST_USERS["2"] else None)
    with host.app_context():
        assert tpm.find_user(HOST_USERS["2"]) == "2"
        assert tpm.find_user("nobody@center.example") is None


def test_programs_create_refuses_a_taken_key_naming_it(host: Flask) -> None:
    factories.program(key="yes")
    result = _tpm(host, "programs", "create", "yes", "--name", "Again", "--manager", "1")
    assert result.exit_code == 1
    assert "A program with key 'yes' exists" in result.output
    assert row_count(Program) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_people_add_gives_each_role_its_rights(host: Flask) -> None:
    factories.program(key="yes", managers=("1",))
    for args in (
        ("--role", "manager", "--user", "2"),
        ("--role", "supervisor", "--user", "3", "--name", "Cy"),
    ):
        result = _tpm(host, "people", "add", "yes", *args)
        assert result.exit_code == 0, result.output
        assert "added in program 'yes'" in result.output
    assert _managers("yes") == ["1", "2"]
    supervisor = session().scalars(select(Supervisor)).one()
    assert (supervisor.host_user_id, supervisor.display_name) == ("3", "Cy")
    response = host.test_client().get(f"{API}/supervisors", headers=as_user("3"))
    assert [item["id"] for item in response.json["items"]] == [supervisor.id]


def test_people_add_partner_needs_a_name_when_new(host: Flask) -> None:
    factories.program(key="yes")
    result = _tpm(host, "people", "add", "yes", "--role", "partner", "--user", "3")
    assert result.exit_code == 1
    assert "needs a display name (--name)" in result.output
    assert row_count(Partner) == 0


def test_people_add_to_an_unknown_program_names_the_command_to_create_it(host: Flask) -> None:
    result = _tpm(host, "people", "add", "nope", "--role", "manager", "--user", "1")
    assert result.exit_code == 1
    assert "No program with key 'nope'" in result.output
    assert "flask tpm programs create" in result.output


def test_people_add_twice_is_a_conflict_not_a_second_row(host: Flask) -> None:
    factories.program(key="yes", managers=("1",))
    result = _tpm(host, "people", "add", "yes", "--role", "manager", "--user", "1")
    assert result.exit_code == 1
    assert "already manages program 'yes'" in result.output
    assert row_count(ProgramManager) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_removed_partner_loses_their_role_and_adding_them_again_reactivates_them(
    host: Flask,
) -> None:
    factories.program(key="yes")
    _tpm(host, "people", "add", "yes", "--role", "partner", "--user", "3", "--name", "Cy")
    result = _tpm(host, "people", "remove", "yes", "--role", "partner", "--user", "3")
    assert result.exit_code == 0, result.output
    assert "Partner deactivated" in result.output
    assert host.test_client().get(f"{API}/programs", headers=as_user("3")).status_code == 403
    result = _tpm(host, "people", "add", "yes", "--role", "partner", "--user", "3")
    assert "Partner reactivated" in result.output
    assert host.test_client().get(f"{API}/programs", headers=as_user("3")).status_code == 200
    assert row_count(Partner) == 1


def test_people_remove_refuses_the_last_manager(host: Flask) -> None:
    factories.program(key="yes", managers=("1",))
    result = _tpm(host, "people", "remove", "yes", "--role", "manager", "--user", "1")
    assert result.exit_code == 1
    assert "last manager of program 'yes'" in result.output
    assert _managers("yes") == ["1"]


def test_people_remove_a_manager_while_another_remains(host: Flask) -> None:
    factories.program(key="yes", managers=("1", "2"))
    result = _tpm(host, "people", "remove", "yes", "--role", "manager", "--user", "1")
    assert result.exit_code == 0, result.output
    assert _managers("yes") == ["2"]
    audit = session().scalars(
        select(AccessAudit).where(
            AccessAudit.object_type == "program_manager", AccessAudit.action == "delete"
        )
    )
    assert [(row.actor_id, row.outcome) for row in audit] == [(None, "allowed")]


def test_people_remove_someone_without_the_role_is_refused(host: Flask) -> None:
    factories.program(key="yes", managers=("1",))
    result = _tpm(host, "people", "remove", "yes", "--role", "supervisor", "--user", "2")
    assert result.exit_code == 1
    assert "no active supervisor of program 'yes'" in result.output


# --- DELETE /programs/<id>/managers/<manager_id> ---------------------------------------


def _manager_ids(program: Program) -> dict[str, int]:
    rows = session().execute(
        select(ProgramManager.host_user_id, ProgramManager.id).where(
            ProgramManager.program_id == program.id
        )
    )
    return {user_id: manager_id for user_id, manager_id in rows}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_manager_removes_another_manager_of_their_program(client) -> None:
    program = factories.program(managers=("1", "2"))
    ids = _manager_ids(program)
    response = client.delete(
        f"{API}/programs/{program.id}/managers/{ids['2']}", headers=as_user("1")
    )
    assert response.status_code == 204
    assert list(_manager_ids(program)) == ["1"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_last_manager_cannot_be_removed(client) -> None:
    program = factories.program(managers=("1",))
    ids = _manager_ids(program)
    response = client.delete(
        f"{API}/programs/{program.id}/managers/{ids['1']}", headers=as_user("1")
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "last_manager"
    assert list(_manager_ids(program)) == ["1"]


def test_removing_a_manager_of_a_program_you_do_not_manage_is_404_and_audited(client) -> None:
    program = factories.program(managers=("1", "2"))
    other = factories.program(managers=("3",))
    ids = _manager_ids(program)
    response = client.delete(
        f"{API}/programs/{program.id}/managers/{ids['2']}", headers=as_user("3")
    )
    assert response.status_code == 404
    assert len(_manager_ids(program)) == 2
    denied = session().scalars(
        select(AccessAudit.actor_id).where(
            AccessAudit.object_type == "program_manager", AccessAudit.outcome == "denied"
        )
    )
    assert list(denied) == ["3"]
    assert other.id != program.id


def test_removing_a_manager_of_another_program_through_yours_is_404(client) -> None:
    mine = factories.program(managers=("1", "2"))
    theirs = factories.program(managers=("3", "4"))
    response = client.delete(
        f"{API}/programs/{mine.id}/managers/{_manager_ids(theirs)['4']}", headers=as_user("1")
    )
    assert response.status_code == 404
    assert len(_manager_ids(theirs)) == 2


def test_removing_a_manager_needs_a_login(client) -> None:
    program = factories.program(managers=("1", "2"))
    response = client.delete(f"{API}/programs/{program.id}/managers/{_manager_ids(program)['2']}")
    assert response.status_code == 401
    assert len(_manager_ids(program)) == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_of_two_managers_removing_each_other_at_once_exactly_one_succeeds(app: Flask) -> None:
    program = factories.program(managers=("1", "2"))
    ids = _manager_ids(program)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def remove(actor_user: str, removed_user: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                remove_program_manager(factories.actor(actor_user), program.id, ids[removed_user])
                outcomes.append("removed")
            except Conflict as refused:
                outcomes.append(refused.code)
            finally:
                app.extensions["sqlalchemy"].session.remove()

    threads = [
        threading.Thread(target=remove, args=("1", "2")),
        threading.Thread(target=remove, args=("2", "1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["last_manager", "removed"]
    assert len(_manager_ids(program)) == 1
