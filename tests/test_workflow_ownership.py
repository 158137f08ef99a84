"""Workflows belong to a program: the shipped workflow is a template each program copies,
a program's drafts, versions and migrations are its managers' and 404 to everyone else, and
migration 0003 moves the global workflows of an existing database to their programs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, text

from tpm_plugin import migrate
from tpm_plugin.models import Program, Workflow
from tpm_plugin.services import workflow_versions
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import default_definition

from . import factories, services
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
TEMPLATE = workflow_versions.SHIPPED_WORKFLOW


@pytest.fixture
def two_programs(app: Flask) -> tuple[factories.World, factories.World]:
    return factories.world(), factories.world()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_each_program_runs_on_its_own_copy_of_the_template(two_programs) -> None:
    first, second = two_programs
    keys = {first.program.workflow_key, second.program.workflow_key}
    assert len(keys) == 2 and TEMPLATE not in keys
    owners = {w.key: w.program_id for w in session().query(Workflow).filter(Workflow.key.in_(keys))}
    assert owners == {
        first.program.workflow_key: first.program.id,
        second.program.workflow_key: second.program.id,
    }
    assert first.partnership.workflow_key == first.program.workflow_key
    copied = workflow_versions.published_definition(first.program.workflow_key, 1)
    assert copied == {**default_definition(), "key": first.program.workflow_key}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_another_programs_manager_gets_404_on_drafts_versions_and_migrations(
    client, two_programs
) -> None:
    mine, theirs = two_programs
    key = mine.program.workflow_key
    stranger = as_user(theirs.manager_user)
    draft = client.post(f"{API}/workflows/{key}/drafts", headers=as_user(mine.manager_user))
    assert draft.status_code == 201
    draft_url = f"{API}/workflows/{key}/drafts/{draft.json['id']}"
    refused = [
        client.get(f"{API}/workflows/{key}", headers=stranger),
        client.get(f"{API}/workflows/{key}/versions", headers=stranger),
        client.get(f"{API}/workflows/{key}/versions/1", headers=stranger),
        client.post(f"{API}/workflows/{key}/drafts", headers=stranger),
        client.get(draft_url, headers=stranger),
        client.put(draft_url, json=draft.json["definition"], headers=stranger),
        client.post(f"{draft_url}/validate", headers=stranger),
        client.post(f"{draft_url}/publish", headers=stranger),
        client.post(
            f"{API}/workflows/{key}/versions/1/migrations",
            json={"partnership_ids": [mine.partnership.id]},
            headers=stranger,
        ),
    ]
    assert [response.status_code for response in refused] == [404] * len(refused)
    assert all(response.json["error"]["code"] == "not_found" for response in refused)
    assert (
        workflow_versions.get_workflow(workflow_versions.COMMAND_LINE, key)["newest_version"] == 1
    )


def test_another_programs_workflow_is_not_listed(client, two_programs) -> None:
    mine, theirs = two_programs
    listed = client.get(f"{API}/workflows", headers=as_user(theirs.manager_user)).json["items"]
    keys = {item["key"] for item in listed}
    assert theirs.program.workflow_key in keys and TEMPLATE in keys
    assert mine.program.workflow_key not in keys


def test_a_publish_in_one_program_leaves_the_other_programs_partnerships_alone(
    client, two_programs
) -> None:
    mine, theirs = two_programs
    manager = as_user(mine.manager_user)
    key = mine.program.workflow_key
    draft = client.post(f"{API}/workflows/{key}/drafts", headers=manager).json
    assert (
        client.post(
            f"{API}/workflows/{key}/drafts/{draft['id']}/publish", headers=manager
        ).status_code
        == 201
    )
    assert factories.partnership(mine.program).workflow_version == 2
    assert factories.partnership(theirs.program).workflow_version == 1


def test_a_template_is_read_by_managers_but_changed_only_at_the_command_line(
    client, two_programs
) -> None:
    manager = as_user(two_programs[0].manager_user)
    assert client.get(f"{API}/workflows/{TEMPLATE}/versions/1", headers=manager).status_code == 200
    refused = client.post(f"{API}/workflows/{TEMPLATE}/drafts", headers=manager)
    assert refused.status_code == 403
    assert "template" in refused.json["error"]["message"]


def test_a_partner_reads_their_programs_workflow_but_not_another(client, two_programs) -> None:
    mine, theirs = two_programs
    partner = as_user(mine.partner_user)
    assert (
        client.get(
            f"{API}/workflows/{mine.program.workflow_key}/versions/1", headers=partner
        ).status_code
        == 200
    )
    assert (
        client.get(
            f"{API}/workflows/{theirs.program.workflow_key}/versions/1", headers=partner
        ).status_code
        == 404
    )


def test_a_manager_copies_the_template_into_a_new_workflow_of_their_program(
    client, two_programs
) -> None:
    world = two_programs[0]
    created = client.post(
        f"{API}/workflows",
        json={
            "key": "school_year",
            "name": "School year",
            "program_id": world.program.id,
            "template": TEMPLATE,
        },
        headers=as_user(world.manager_user),
    )
    assert created.status_code == 201
    assert (created.json["program_id"], created.json["newest_version"]) == (world.program.id, 1)
    switched = client.patch(
        f"{API}/programs/{world.program.id}",
        json={"workflow_key": "school_year"},
        headers=as_user(world.manager_user),
    )
    assert switched.status_code == 200
    assert factories.partnership(world.program).workflow_key == "school_year"


def test_a_workflow_for_a_program_the_caller_does_not_manage_is_422(client, two_programs) -> None:
    mine, theirs = two_programs
    response = client.post(
        f"{API}/workflows",
        json={"key": "stolen", "name": "Stolen", "program_id": theirs.program.id},
        headers=as_user(mine.manager_user),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["program_id"]
    assert session().query(Workflow).filter_by(key="stolen").count() == 0


def test_a_program_cannot_switch_to_another_programs_workflow(client, two_programs) -> None:
    mine, theirs = two_programs
    response = client.patch(
        f"{API}/programs/{mine.program.id}",
        json={"workflow_key": theirs.program.workflow_key},
        headers=as_user(mine.manager_user),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["workflow_key"]
    session().expire_all()
    assert session().get(Program, mine.program.id).workflow_key == mine.program.workflow_key


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_program_naming_a_workflow_that_does_not_exist_is_422(client, two_programs) -> None:
    manager = as_user(two_programs[0].manager_user)
    response = client.post(
        f"{API}/programs",
        json={"key": "square-width", "name": "Square Width", "workflow_key": "no_such_flow"},
        headers=manager,
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["workflow_key"]
    assert session().query(Program).filter_by(key="square-width").count() == 0


def test_a_program_naming_another_programs_workflow_is_422(client, two_programs) -> None:
    mine, theirs = two_programs
    response = client.post(
        f"{API}/programs",
        json={"key": "copycat", "name": "Copycat", "workflow_key": theirs.program.workflow_key},
        headers=as_user(mine.manager_user),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["workflow_key"]


# --- migration 0003 on a database made before programs owned workflows ----------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_0001(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated to 0001 only, of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.db'}"
        drop = None
    else:
        url, drop = services.create_run_database(services.postgres_server_url())
    engine = create_engine(url)
    migrate.upgrade(engine, "0001")
    engine.dispose()
    yield url
    if drop is not None:
        drop()


_NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def _old_rows(connection) -> None:
    """Two programs on the global shipped workflow (versions 1 and 2), a third alone on a
    custom one, a partnership each, and a transition audit row."""
    insert = connection.execute
    definition = default_definition()
    insert(
        text("INSERT INTO tpm_workflows (key, name, created_at) VALUES (:k, :n, :t)"),
        [
            {"k": TEMPLATE, "n": "TP", "t": _NOW},
            {"k": "school_year", "n": "School year", "t": _NOW},
        ],
    )
    ids = dict(connection.execute(text("SELECT key, id FROM tpm_workflows")).all())
    insert(
        text(
            "INSERT INTO tpm_workflow_versions (workflow_id, version, definition, published_at)"
            " VALUES (:w, :v, :d, :t)"
        ),
        [
            {"w": ids[TEMPLATE], "v": 1, "d": _json(definition), "t": _NOW},
            {"w": ids[TEMPLATE], "v": 2, "d": _json(definition), "t": _NOW},
            {
                "w": ids["school_year"],
                "v": 1,
                "d": _json({**definition, "key": "school_year"}),
                "t": _NOW,
            },
        ],
    )
    programs = [
        (1, "children-yes", TEMPLATE),
        (2, "9-square", TEMPLATE),
        (3, "solo", "school_year"),
    ]
    for program_id, key, workflow in programs:
        insert(
            text(
                "INSERT INTO tpm_programs (id, key, name, timezone, meetings_per_week, "
                "supervision_minutes_per_client, workflow_key, created_at) "
                "VALUES (:i, :k, :k, 'UTC', 3, 20, :w, :t)"
            ),
            {"i": program_id, "k": key, "w": workflow, "t": _NOW},
        )
        insert(
            text(
                "INSERT INTO tpm_clients (id, program_id, is_minor, created_at) "
                "VALUES (:i, :i, false, :t)"
            ),
            {"i": program_id, "t": _NOW},
        )
        insert(
            text(
                "INSERT INTO tpm_partnerships (id, program_id, client_id, stage, workflow_key, "
                "workflow_version, stage_entered_at, started_at, version_id) "
                "VALUES (:i, :i, :i, 'referred', :w, :v, :t, :t, 1)"
            ),
            {"i": program_id, "w": workflow, "v": 2 if program_id == 2 else 1, "t": _NOW},
        )
    insert(
        text(
            "INSERT INTO tpm_transition_audit (partnership_id, to_stage, trigger, workflow_key, "
            "workflow_version, occurred_at) VALUES (2, 'referred', 'open', :w, 1, :t)"
        ),
        {"w": TEMPLATE, "t": _NOW},
    )


def _json(value) -> str:
    import json

    return json.dumps(value)


def test_migration_0003_gives_each_program_its_own_copy_with_every_version(
    database_at_0001: str,
) -> None:
    engine = create_engine(database_at_0001)
    with engine.begin() as connection:
        _old_rows(connection)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        owned = dict(connection.execute(text("SELECT key, program_id FROM tpm_workflows")).all())
        program_keys = dict(
            connection.execute(text("SELECT id, workflow_key FROM tpm_programs")).all()
        )
        partnership_keys = dict(
            connection.execute(text("SELECT id, workflow_key FROM tpm_partnerships")).all()
        )
        audit_key = connection.scalar(text("SELECT workflow_key FROM tpm_transition_audit"))
        copied = connection.execute(
            text(
                "SELECT v.version, v.definition FROM tpm_workflow_versions v "
                "JOIN tpm_workflows w ON w.id = v.workflow_id WHERE w.key = :k ORDER BY v.version"
            ),
            {"k": program_keys[2]},
        ).all()
    engine.dispose()
    assert program_keys == {
        1: "children_yes_therapeutic_partnership",
        2: "p9_square_therapeutic_partnership",
        3: "school_year",
    }
    assert owned == {
        TEMPLATE: None,
        "children_yes_therapeutic_partnership": 1,
        "p9_square_therapeutic_partnership": 2,
        "school_year": 3,
    }
    assert partnership_keys == program_keys
    assert audit_key == program_keys[2]
    assert [version for version, _ in copied] == [1, 2]
    definition = copied[0][1]
    definition = (
        definition if isinstance(definition, dict) else __import__("json").loads(definition)
    )
    assert definition["key"] == program_keys[2]


def test_migration_0003_downgrades_and_upgrades_again(database_at_0001: str) -> None:
    engine = create_engine(database_at_0001)
    with engine.begin() as connection:
        _old_rows(connection)
    migrate.upgrade(engine, "0003")
    migrate.downgrade(engine, "0001")
    migrate.upgrade(engine, "0003")
    with engine.connect() as connection:
        keys = dict(connection.execute(text("SELECT id, workflow_key FROM tpm_programs")).all())
    engine.dispose()
    assert keys[1] == "children_yes_therapeutic_partnership"
