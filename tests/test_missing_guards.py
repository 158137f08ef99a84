"""A published version naming a guard this server has not registered (a worker deployed
without a guard module): ``/health`` and ``flask tpm doctor`` name it, the transitions naming
it fail with a clear error, and everything else about the partnership keeps working."""

from __future__ import annotations

import copy

import pytest
from flask import Flask
from sqlalchemy import select, update

from tpm_plugin.models import Partnership, Workflow, WorkflowVersion
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import default_definition

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
MISSING = "consent_on_file"


@pytest.fixture
def world(app: Flask) -> factories.World:
    """A world whose partnership runs on version 2 of its workflow, published elsewhere with
    ``begin_identification`` guarded by a guard this app never registered."""
    made = factories.world(started_at=factories.LONG_AGO)
    key = made.program.workflow_key
    definition = copy.deepcopy(dict(default_definition(), key=key))
    for transition in definition["transitions"]:
        if transition["trigger"] == "begin_identification":
            transition["guards"] = [*transition.get("guards", []), MISSING]
    workflow_id = session().scalar(select(Workflow.id).where(Workflow.key == key))
    session().add(WorkflowVersion(workflow_id=workflow_id, version=2, definition=definition))
    session().execute(
        update(Partnership)
        .where(Partnership.id == made.partnership.id)
        .values(workflow_version=2, version_id=Partnership.version_id + 1)
    )
    session().commit()
    return made


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_health_is_degraded_naming_the_missing_guard_and_its_version(client, world) -> None:
    response = client.get(f"{API}/health")
    assert response.status_code == 503
    assert response.json["status"] == "degraded"
    assert response.json["missing_guards"] == {MISSING: [f"{world.program.workflow_key}@2"]}
    assert response.json["database"] == "ok"


def test_doctor_lists_every_versions_guards_and_fails_naming_the_missing_one(app, world) -> None:
    result = app.test_cli_runner().invoke(args=["tpm", "doctor"])
    assert result.exit_code == 1
    key = world.program.workflow_key
    assert f"{key} version 2: " in result.output and MISSING in result.output
    assert f"{key} version 2 needs {MISSING}." in result.output
    assert "Registered guards: " in result.output


def test_doctor_passes_when_every_guard_is_registered(app) -> None:
    factories.world()
    result = app.test_cli_runner().invoke(args=["tpm", "doctor"])
    assert result.exit_code == 0, result.output
    assert "Every guard a published version names is registered." in result.output


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_other_requests_on_the_partnership_keep_working(client, world) -> None:
    manager = as_user(world.manager_user)
    pid = world.partnership.id
    available = client.get(f"{API}/partnerships/{pid}/transitions", headers=manager)
    assert available.status_code == 200
    blocked = {option["trigger"]: option for option in available.json["blocked"]}
    reasons = blocked["begin_identification"]["reasons"]
    assert [reason["guard"] for reason in reasons] == [MISSING]
    assert "not registered" in reasons[0]["message"]
    meeting = client.post(
        f"{API}/partnerships/{pid}/meetings",
        json={"scheduled_at": "2024-05-06T15:00:00+02:00"},
        headers=as_user(world.partner_user),
    )
    assert meeting.status_code == 201
    assert client.get(f"{API}/partnerships/{pid}", headers=manager).status_code == 200


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_transition_naming_the_missing_guard_fails_clearly_and_changes_nothing(
    client, world
) -> None:
    pid = world.partnership.id
    response = client.post(
        f"{API}/partnerships/{pid}/transitions",
        json={"trigger": "begin_identification"},
        headers=as_user(world.manager_user),
    )
    assert response.status_code == 503
    assert response.json["error"]["code"] == "guard_not_registered"
    assert response.json["error"]["guard"] == MISSING
    assert "flask tpm doctor" in response.json["error"]["message"]
    session().expire_all()
    assert session().get(Partnership, pid).stage == "referred"


def test_a_transition_not_naming_the_missing_guard_still_fires(client, world) -> None:
    response = client.post(
        f"{API}/partnerships/{world.partnership.id}/transitions",
        json={"trigger": "withdraw", "reason": "Moved away."},
        headers=as_user(world.manager_user),
    )
    assert response.status_code == 200, response.json
