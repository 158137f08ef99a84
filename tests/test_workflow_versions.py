"""Workflows over the API: drafts, validation, publishing, versions and migrations."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tpm_plugin.models import Partnership, PartnershipMigration, WorkflowDraft
from tpm_plugin.services import transitions, workflow_versions
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import default_definition

from . import factories
from .conftest import BACKENDS

API = "/tpm/api/workflows"
KEY = "therapeutic_partnership"


@pytest.fixture
def world(app: Flask) -> factories.World:
    return factories.world()


@pytest.fixture
def manager(world) -> dict[str, str]:
    return factories.as_user(world.manager_user)


@pytest.fixture
def key(world) -> str:
    """The key of the world's program's own workflow (its copy of the template)."""
    return world.program.workflow_key


def _with_intake_call(definition: dict[str, Any]) -> dict[str, Any]:
    """The default workflow with an intake call between referral and identification."""
    changed = copy.deepcopy(definition)
    changed["stages"].insert(1, {"key": "intake_call", "label": "Intake call", "kind": "normal"})
    for transition in changed["transitions"]:
        if transition["trigger"] == "begin_identification":
            transition["sources"] = ["intake_call"]
        if transition["trigger"] == "withdraw":
            transition["sources"].append("intake_call")
    changed["transitions"].insert(
        0,
        {
            "trigger": "schedule_intake_call",
            "label": "Schedule the intake call",
            "sources": ["referred"],
            "dest": "intake_call",
            "guards": [],
            "roles": ["program_manager"],
            "reason_required": False,
        },
    )
    return changed


def _publish(client, headers, definition, key) -> int:
    definition = dict(definition, key=key)
    draft = client.post(f"{API}/{key}/drafts", json=definition, headers=headers)
    assert draft.status_code == 201, draft.json
    published = client.post(f"{API}/{key}/drafts/{draft.json['id']}/publish", headers=headers)
    assert published.status_code == 201, published.json
    return published.json["version"]


def test_a_fresh_database_starts_on_the_shipped_version_one(app) -> None:
    assert workflow_versions.starting_point(KEY) == (1, "referred")
    assert workflow_versions.published_definition(KEY, 1) == default_definition()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_manager_drafts_edits_validates_and_publishes_version_two(client, manager, key) -> None:
    draft = client.post(f"{API}/{key}/drafts", headers=manager)
    assert draft.status_code == 201
    assert draft.json["based_on_version"] == 1
    draft_url = f"{API}/{key}/drafts/{draft.json['id']}"
    edited = client.put(
        draft_url, json=_with_intake_call(draft.json["definition"]), headers=manager
    )
    assert edited.status_code == 200
    assert client.post(f"{draft_url}/validate", headers=manager).json == {
        "valid": True,
        "problems": {},
    }
    published = client.post(f"{draft_url}/publish", headers=manager)
    assert published.status_code == 201
    assert published.json["version"] == 2
    version = client.get(f"{API}/{key}/versions/2", headers=manager)
    assert version.json["key"] == key
    assert version.json["definition"]["stages"][1]["key"] == "intake_call"
    assert session().scalar(select(func.count()).select_from(WorkflowDraft)) == 0


def test_an_invalid_draft_is_422_naming_every_problem_and_nothing_is_stored(
    client, manager, key
) -> None:
    draft = client.post(f"{API}/{key}/drafts", headers=manager).json
    broken = copy.deepcopy(draft["definition"])
    broken["transitions"][1]["dest"] = "planing"
    broken["transitions"][2]["roles"] = ["janitor"]
    response = client.put(f"{API}/{key}/drafts/{draft['id']}", json=broken, headers=manager)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert fields["transitions[1].dest"] == ["unknown stage 'planing' (did you mean 'planning'?)"]
    assert "transitions[2].roles[0]" in fields
    stored = session().get(WorkflowDraft, draft["id"]).definition
    assert stored["transitions"][1]["dest"] == "planning"


def test_an_invalid_definition_creates_no_draft(client, manager, key) -> None:
    broken = default_definition()
    broken["stages"][0]["kind"] = "normal"
    response = client.post(f"{API}/{key}/drafts", json=broken, headers=manager)
    assert response.status_code == 422
    assert "stages" in response.json["error"]["fields"]
    assert session().scalar(select(func.count()).select_from(WorkflowDraft)) == 0


def test_a_draft_must_keep_its_workflows_key(client, manager, key) -> None:
    other = default_definition()
    other["key"] = "another_workflow"
    response = client.post(f"{API}/{key}/drafts", json=other, headers=manager)
    assert response.status_code == 422
    assert "key" in response.json["error"]["fields"]


def test_publishing_a_draft_made_before_another_publish_is_409(client, manager, key) -> None:
    first = client.post(f"{API}/{key}/drafts", headers=manager).json
    second = client.post(f"{API}/{key}/drafts", headers=manager).json
    client.post(f"{API}/{key}/drafts/{first['id']}/publish", headers=manager)
    response = client.post(f"{API}/{key}/drafts/{second['id']}/publish", headers=manager)
    assert response.status_code == 409
    assert response.json["error"]["newest_version"] == 2


def test_a_partner_may_read_but_not_change_workflows(client, world, key) -> None:
    partner = factories.as_user(world.partner_user)
    assert client.get(f"{API}/{key}/versions/1", headers=partner).status_code == 200
    assert client.post(f"{API}/{key}/drafts", headers=partner).status_code == 403


def test_an_account_without_a_role_may_not_read_workflows(client, app) -> None:
    response = client.get(API, headers=factories.as_user(factories.new_user_id()))
    assert response.status_code == 403


def test_an_unknown_version_is_404(client, manager, key) -> None:
    assert client.get(f"{API}/{key}/versions/9", headers=manager).status_code == 404


def test_a_new_workflow_needs_a_definition_for_its_first_draft(client, manager, world) -> None:
    created = client.post(
        API,
        json={"key": "square_width", "name": "Square Width", "program_id": world.program.id},
        headers=manager,
    )
    assert created.status_code == 201
    assert created.json["program_id"] == world.program.id
    response = client.post(f"{API}/square_width/drafts", headers=manager)
    assert response.status_code == 422
    definition = dict(default_definition(), key="square_width", name="Square Width")
    assert (
        client.post(f"{API}/square_width/drafts", json=definition, headers=manager).status_code
        == 201
    )


def test_a_duplicate_workflow_key_is_409(client, manager, world) -> None:
    body = {"key": "square_width", "name": "Square Width", "program_id": world.program.id}
    client.post(API, json=body, headers=manager)
    assert client.post(API, json=body, headers=manager).status_code == 409


def test_new_partnerships_start_on_the_newest_version_and_running_ones_stay(
    client, manager, world, key
) -> None:
    _publish(client, manager, _with_intake_call(default_definition()), key)
    newer = factories.partnership(world.program)
    assert (newer.workflow_version, newer.stage) == (2, "referred")
    older = session().get(Partnership, world.partnership.id)
    assert older.workflow_version == 1


def test_migration_moves_partnerships_with_a_stage_mapping_and_audits_it(
    client, manager, world, key
) -> None:
    transitions.fire(
        factories.actor(world.manager_user), world.partnership.id, "begin_identification"
    )
    reduced = default_definition()
    reduced["stages"] = [s for s in reduced["stages"] if s["key"] != "identification"]
    for transition in reduced["transitions"]:
        transition["sources"] = [s for s in transition["sources"] if s != "identification"]
    reduced["transitions"] = [
        t for t in reduced["transitions"] if t["sources"] and t["dest"] != "identification"
    ]
    reduced["transitions"].insert(
        0,
        {
            "trigger": "begin_planning",
            "label": "Begin planning",
            "sources": ["referred"],
            "dest": "planning",
            "roles": ["program_manager"],
        },
    )
    version = _publish(client, manager, reduced, key)
    url = f"{API}/{key}/versions/{version}/migrations"
    pid = world.partnership.id

    refused = client.post(url, json={"partnership_ids": [pid]}, headers=manager)
    assert refused.status_code == 422
    assert "stage_mapping.identification" in refused.json["error"]["fields"]
    assert session().get(Partnership, pid).workflow_version == 1

    moved = client.post(
        url,
        json={"partnership_ids": [pid], "stage_mapping": {"identification": "planning"}},
        headers=manager,
    )
    assert moved.status_code == 200
    assert moved.json["migrated"] == [
        {
            "partnership_id": pid,
            "from_version": 1,
            "to_version": version,
            "from_stage": "identification",
            "to_stage": "planning",
            "ended": False,
        }
    ]
    session().expire_all()
    row = session().get(Partnership, pid)
    assert (row.workflow_version, row.stage) == (version, "planning")
    audit = session().scalars(select(PartnershipMigration)).all()
    assert [(a.from_stage, a.to_stage, a.actor_id) for a in audit] == [
        ("identification", "planning", world.manager_user)
    ]


def test_migration_to_an_unknown_mapped_stage_is_422(client, manager, world, key) -> None:
    version = _publish(client, manager, _with_intake_call(default_definition()), key)
    response = client.post(
        f"{API}/{key}/versions/{version}/migrations",
        json={"partnership_ids": [world.partnership.id], "stage_mapping": {"referred": "intak"}},
        headers=manager,
    )
    assert response.status_code == 422
    assert "stage_mapping.referred" in response.json["error"]["fields"]


def test_migration_of_a_partnership_in_another_program_is_404(client, world) -> None:
    other = factories.program()
    other_manager = factories.as_user(factories.program_manager_of(other))
    version = _publish(
        client, other_manager, _with_intake_call(default_definition()), other.workflow_key
    )
    response = client.post(
        f"{API}/{other.workflow_key}/versions/{version}/migrations",
        json={"partnership_ids": [world.partnership.id]},
        headers=other_manager,
    )
    assert response.status_code == 404
    assert session().get(Partnership, world.partnership.id).workflow_version == 1


def test_published_versions_are_listed_oldest_first(client, manager, key) -> None:
    _publish(client, manager, _with_intake_call(default_definition()), key)
    response = client.get(f"{API}/{key}/versions", headers=manager)
    assert [item["version"] for item in response.json["items"]] == [1, 2]
    assert all(item["key"] == key for item in response.json["items"])
