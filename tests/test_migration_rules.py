"""Version migration keeps the model's rules: ended partnerships are skipped with the reason,
a hold stage needs a stage to resume to, a terminal stage ends the partnership, and a bad
mapping names the version and stage actually missing."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.models import Partnership, PartnershipMigration
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import default_definition

from . import factories
from .conftest import BACKENDS
from .test_workflow_versions import API, _publish, _with_intake_call


@pytest.fixture
def world(app: Flask) -> factories.World:
    return factories.world()


@pytest.fixture
def manager(world) -> dict[str, str]:
    return factories.as_user(world.manager_user)


def _publish_intake_call(client, manager, world) -> int:
    """Publish the intake-call version of the world's program's own workflow."""
    definition = _with_intake_call(default_definition())
    return _publish(client, manager, definition, world.program.workflow_key)


def _migrate(client, manager, world, version: int, ids: list[int], mapping: dict[str, str]):
    return client.post(
        f"{API}/{world.program.workflow_key}/versions/{version}/migrations",
        json={"partnership_ids": ids, "stage_mapping": mapping},
        headers=manager,
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_api_skips_ended_partnerships_and_says_why(client, manager, world) -> None:
    running = factories.partnership(world.program)
    ended = factories.withdraw(world)
    version = _publish_intake_call(client, manager, world)
    answer = _migrate(client, manager, world, version, [ended.id, running.id], {})
    assert answer.status_code == 200, answer.json
    assert [m["partnership_id"] for m in answer.json["migrated"]] == [running.id]
    [skipped] = answer.json["skipped"]
    assert skipped["partnership_id"] == ended.id
    assert skipped["stage"] == "withdrawn"
    assert "has ended" in skipped["reason"]
    session().expire_all()
    assert session().get(Partnership, ended.id).workflow_version == 1
    migrated = session().scalars(select(PartnershipMigration.partnership_id)).all()
    assert migrated == [running.id]


def test_mapping_into_a_hold_stage_without_a_stage_to_resume_to_is_refused(
    client, manager, world
) -> None:
    version = _publish_intake_call(client, manager, world)
    refused = _migrate(
        client, manager, world, version, [world.partnership.id], {"referred": "on_hold"}
    )
    assert refused.status_code == 422
    [message] = refused.json["error"]["fields"]["stage_mapping.referred"]
    assert "hold stage 'on_hold'" in message and "no stage to resume to" in message
    session().expire_all()
    assert session().get(Partnership, world.partnership.id).workflow_version == 1


def test_a_partnership_on_hold_keeps_its_stage_to_resume_to(client, manager, world) -> None:
    manager_actor = factories.actor(world.manager_user)
    transitions.fire(manager_actor, world.partnership.id, "begin_identification")
    transitions.fire(manager_actor, world.partnership.id, "put_on_hold", "Family away.")
    version = _publish_intake_call(client, manager, world)
    answer = _migrate(client, manager, world, version, [world.partnership.id], {})
    assert answer.status_code == 200, answer.json
    session().expire_all()
    row = session().get(Partnership, world.partnership.id)
    assert (row.stage, row.held_from_stage) == ("on_hold", "identification")


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_mapping_into_a_terminal_stage_ends_the_partnership(client, manager, world) -> None:
    version = _publish_intake_call(client, manager, world)
    answer = _migrate(
        client, manager, world, version, [world.partnership.id], {"referred": "withdrawn"}
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["migrated"][0]["ended"] is True
    session().expire_all()
    row = session().get(Partnership, world.partnership.id)
    assert row.stage == "withdrawn"
    assert row.ended_at is not None


def test_a_mapping_to_a_missing_stage_names_that_stage_and_the_target_version(
    client, manager, world
) -> None:
    version = _publish_intake_call(client, manager, world)
    refused = _migrate(
        client, manager, world, version, [world.partnership.id], {"referred": "intak"}
    )
    messages = refused.json["error"]["fields"]["stage_mapping.referred"]
    assert messages == [f"unknown stage 'intak' in version {version} (did you mean 'intake_call'?)"]


def test_a_mapping_from_a_stage_no_partnership_version_has_names_that_version(
    client, manager, world
) -> None:
    version = _publish_intake_call(client, manager, world)
    refused = _migrate(
        client, manager, world, version, [world.partnership.id], {"refered": "referred"}
    )
    assert refused.status_code == 422
    [message] = refused.json["error"]["fields"]["stage_mapping.refered"]
    key = world.program.workflow_key
    assert message.startswith(f"version 1 of '{key}' has no stage 'refered'")
    assert "did you mean 'referred'" in message


def test_the_command_line_names_what_it_skipped_and_the_stage_a_map_lacks(
    app: Flask, client, manager, world
) -> None:
    running = factories.partnership(world.program)
    ended = factories.withdraw(world)
    version = _publish_intake_call(client, manager, world)
    runner = app.test_cli_runner()
    command = ["tpm", "workflow", "migrate", world.program.workflow_key, "--to", str(version)]
    bad = runner.invoke(
        args=[*command, "--partnership", str(running.id), "--map", "referred=intak"]
    )
    assert bad.exit_code == 1
    assert f"unknown stage 'intak' in version {version}" in bad.output
    result = runner.invoke(
        args=[*command, "--partnership", str(ended.id), "--partnership", str(running.id)]
    )
    assert result.exit_code == 0, result.output
    assert f"Skipped: partnership {ended.id} has ended ('withdrawn')" in result.output
    assert f"Partnership {running.id}: version 1 'referred' -> version {version}" in result.output
