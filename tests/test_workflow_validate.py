"""``flask tpm workflow validate`` reports every problem in one pass: the shape and the graph
together, and an unknown field with the field it most likely meant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask

from tpm_plugin.workflows.definition import DefinitionInvalid, default_definition
from tpm_plugin.workflows.definition import validate_definition as validate

from .test_workflow_properties import GUARDS


@pytest.fixture
def run(app: Flask):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["tpm", "workflow", *args])


def _problems(definition: dict) -> dict[str, list[str]]:
    with pytest.raises(DefinitionInvalid) as invalid:
        validate(definition, GUARDS)
    return invalid.value.problems


def _index(definition: dict, trigger: str) -> int:
    return next(i for i, t in enumerate(definition["transitions"]) if t["trigger"] == trigger)


def test_schema_and_graph_problems_are_reported_together() -> None:
    broken = default_definition()
    broken["stages"][1]["label"] = 7  # a schema problem
    replan = _index(broken, "replan")
    broken["transitions"][replan]["dest"] = "planing"  # a graph problem
    problems = _problems(broken)
    assert "stages[1].label" in problems
    assert problems[f"transitions[{replan}].dest"] == [
        "unknown stage 'planing' (did you mean 'planning'?)"
    ]


def test_an_unknown_field_suggests_the_field_meant() -> None:
    broken = default_definition()
    broken["stages"][0]["labl"] = broken["stages"][0].pop("label")
    broken["transitions"][0]["gards"] = []
    problems = _problems(broken)
    assert problems["stages[0].labl"][0].startswith("Unknown field (did you mean 'label'?)")
    assert problems["transitions[0].gards"][0].startswith("Unknown field (did you mean 'guards'?)")


def test_an_unreadable_item_does_not_hide_the_others_problems() -> None:
    broken = default_definition()
    withdraw = _index(broken, "withdraw")
    broken["transitions"][0] = "not a transition"
    broken["transitions"][withdraw]["roles"] = ["janitor"]
    problems = _problems(broken)
    assert "transitions[0]" in problems
    assert f"transitions[{withdraw}].roles[0]" in problems


def test_validate_prints_schema_and_graph_problems_in_one_run(run, tmp_path: Path) -> None:
    broken = default_definition()
    broken["name"] = ""
    broken["stages"][2]["kidn"] = "normal"
    close = _index(broken, "close")
    broken["transitions"][close]["guards"] = ["review_outcome_clos"]
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(broken))
    result = run("validate", str(path))
    assert result.exit_code == 1
    assert "name:" in result.output
    assert "stages[2].kidn: Unknown field (did you mean 'kind'?)" in result.output
    assert f"transitions[{close}].guards[0]: unknown guard 'review_outcome_clos'" in result.output
