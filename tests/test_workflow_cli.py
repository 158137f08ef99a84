"""``flask tpm workflow list | export | import | validate | publish | diagram | migrate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from tpm_plugin.models import Partnership, PartnershipMigration, Workflow, WorkflowDraft
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import default_definition

from . import factories

KEY = "therapeutic_partnership"


@pytest.fixture
def run(app: Flask):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(args=["tpm", "workflow", *args])

    return invoke


def _write(tmp_path: Path, definition: dict) -> str:
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition))
    return str(path)


def _intake_call(definition: dict) -> dict:
    definition["stages"].insert(1, {"key": "intake_call", "label": "Intake call", "kind": "normal"})
    definition["transitions"][0]["sources"] = ["intake_call"]
    definition["transitions"].append(
        {
            "trigger": "schedule_intake_call",
            "label": "Schedule the intake call",
            "sources": ["referred"],
            "dest": "intake_call",
            "roles": ["program_manager"],
        }
    )
    return definition


def test_export_prints_the_newest_version_as_json(run) -> None:
    result = run("export", KEY)
    assert result.exit_code == 0
    assert json.loads(result.output) == default_definition()


def test_export_of_an_unknown_workflow_fails_with_a_sentence(run) -> None:
    result = run("export", "nothing_here")
    assert result.exit_code == 1
    assert "No workflow with the key 'nothing_here'" in result.output


def test_validate_accepts_the_shipped_definition(run, tmp_path) -> None:
    result = run("validate", _write(tmp_path, default_definition()))
    assert result.exit_code == 0
    assert "is a valid workflow definition" in result.output


def test_validate_names_each_problem_at_its_path(run, tmp_path) -> None:
    broken = default_definition()
    broken["transitions"][1]["dest"] = "planing"
    result = run("validate", _write(tmp_path, broken))
    assert result.exit_code == 1
    assert "transitions[1].dest: unknown stage 'planing' (did you mean 'planning'?)" in (
        result.output
    )


def test_validate_refuses_a_file_that_is_not_json(run, tmp_path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "is not valid JSON" in result.output


def test_import_then_publish_makes_version_two(run, tmp_path) -> None:
    imported = run("import", _write(tmp_path, _intake_call(default_definition())))
    assert imported.exit_code == 0, imported.output
    draft_id = session().scalar(select(WorkflowDraft.id))
    published = run("publish", KEY, str(draft_id))
    assert published.exit_code == 0, published.output
    assert "version 2" in published.output
    exported = json.loads(run("export", KEY, "--version", "2").output)
    assert exported["stages"][1]["key"] == "intake_call"


def test_import_of_an_invalid_definition_stores_nothing(run, tmp_path) -> None:
    broken = default_definition()
    broken["transitions"][0]["roles"] = ["janitor"]
    result = run("import", _write(tmp_path, broken))
    assert result.exit_code == 1
    assert "transitions[0].roles[0]" in result.output
    assert session().scalar(select(func.count()).select_from(WorkflowDraft)) == 0


def test_diagram_prints_mermaid_with_every_stage(run) -> None:
    result = run("diagram", KEY)
    assert result.exit_code == 0, result.output
    for stage in default_definition()["stages"]:
        assert stage["label"] in result.output


def test_diagram_refuses_to_highlight_an_unknown_stage(run) -> None:
    result = run("diagram", KEY, "--highlight", "nowhere")
    assert result.exit_code == 2


def test_migrate_moves_a_partnership_and_audits_it(run, tmp_path) -> None:
    world = factories.world()
    key = world.program.workflow_key
    pid = world.partnership.id
    run("import", _write(tmp_path, _intake_call(dict(default_definition(), key=key))))
    run("publish", key, str(session().scalar(select(WorkflowDraft.id))))
    result = run(
        "migrate", key, "--to", "2", "--partnership", str(pid), "--map", "referred=intake_call"
    )
    assert result.exit_code == 0, result.output
    assert f"Partnership {pid}: version 1 'referred' -> version 2 'intake_call'." in result.output
    session().expire_all()
    assert session().get(Partnership, pid).stage == "intake_call"
    assert session().scalar(select(PartnershipMigration.actor_id)) == "command-line"


def test_migrate_refuses_a_malformed_mapping(run) -> None:
    result = run("migrate", KEY, "--to", "2", "--partnership", "1", "--map", "referred")
    assert result.exit_code == 2
    assert "OLD=NEW" in result.output


def test_migrate_from_version_moves_every_running_partnership_with_a_progress_bar(
    run, tmp_path
) -> None:
    world = factories.world()
    key = world.program.workflow_key
    others = [factories.partnership(world.program) for _ in range(2)]
    ended = factories.withdraw(world)
    run("import", _write(tmp_path, _intake_call(dict(default_definition(), key=key))))
    run("publish", key, str(session().scalar(select(WorkflowDraft.id))))
    result = run(
        "migrate", key, "--to", "2", "--from-version", "1", "--map", "referred=intake_call"
    )
    assert result.exit_code == 0, result.output
    assert "Migrating partnerships" in result.output
    assert "Moved 2 partnerships from version 1 to 2." in result.output
    session().expire_all()
    assert {session().get(Partnership, p.id).workflow_version for p in others} == {2}
    assert session().get(Partnership, ended.id).workflow_version == 1


def test_migrate_from_version_moves_nothing_when_one_stage_lacks_a_mapping(run, tmp_path) -> None:
    world = factories.world()
    key = world.program.workflow_key
    run("import", _write(tmp_path, _intake_call(dict(default_definition(), key=key))))
    run("publish", key, str(session().scalar(select(WorkflowDraft.id))))
    result = run("migrate", key, "--to", "2", "--from-version", "1", "--map", "referred=nowhere")
    assert result.exit_code == 1
    assert "stage_mapping.referred" in result.output
    session().expire_all()
    assert session().get(Partnership, world.partnership.id).workflow_version == 1


@pytest.mark.parametrize(
    "selection",
    [[], ["--partnership", "1", "--from-version", "1"]],
    ids=["neither", "both"],
)
def test_migrate_needs_either_partnerships_or_a_version(run, selection) -> None:
    result = run("migrate", KEY, "--to", "2", *selection)
    assert result.exit_code == 2
    assert "--from-version" in result.output


def test_list_names_the_template_and_each_programs_own_workflow(run) -> None:
    world = factories.world()
    result = run("list")
    assert result.exit_code == 0, result.output
    assert f"{KEY} (template): newest version 1" in result.output
    assert (
        f"{world.program.workflow_key} (program {world.program.id}): newest version 1"
        in result.output
    )


def test_import_for_a_program_makes_a_workflow_of_that_program(run, tmp_path) -> None:
    world = factories.world()
    definition = dict(default_definition(), key="school_year", name="School year")
    result = run("import", _write(tmp_path, definition), "--program", str(world.program.id))
    assert result.exit_code == 0, result.output
    owner = session().scalar(select(Workflow.program_id).where(Workflow.key == "school_year"))
    assert owner == world.program.id
