"""The rules a workflow definition obeys, each reported at its JSON path."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tpm_plugin import TPM
from tpm_plugin.workflows.definition import (
    DefinitionInvalid,
    default_definition,
    validate_definition,
)

GUARDS = TPM().guards.names()


def _problems(definition: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(DefinitionInvalid) as invalid:
        validate_definition(definition, GUARDS)
    return invalid.value.problems


def _index(definition: dict[str, Any], trigger: str) -> int:
    return next(i for i, t in enumerate(definition["transitions"]) if t["trigger"] == trigger)


@pytest.fixture
def definition() -> dict[str, Any]:
    return copy.deepcopy(default_definition())


def test_the_shipped_definition_is_valid(definition) -> None:
    assert validate_definition(definition, GUARDS)["key"] == "therapeutic_partnership"


def test_the_shipped_definition_follows_the_model(definition) -> None:
    stages = {s["key"]: s["kind"] for s in definition["stages"]}
    assert stages == {
        "referred": "start",
        "identification": "normal",
        "planning": "normal",
        "active": "normal",
        "review": "normal",
        "closing": "normal",
        "on_hold": "normal",
        "closed": "terminal",
        "withdrawn": "terminal",
    }
    withdraw = definition["transitions"][_index(definition, "withdraw")]
    assert set(withdraw["sources"]) == {k for k, kind in stages.items() if kind != "terminal"}
    assert withdraw["reason_required"] is True


def test_an_unknown_dest_is_named_with_a_suggestion(definition) -> None:
    index = _index(definition, "begin_planning")
    definition["transitions"][index]["dest"] = "planing"
    assert f"transitions[{index}].dest" in _problems(definition)
    assert _problems(definition)[f"transitions[{index}].dest"][0].startswith(
        "unknown stage 'planing' (did you mean 'planning'?)"
    )


def test_an_unknown_source_is_named(definition) -> None:
    index = _index(definition, "begin_review")
    definition["transitions"][index]["sources"] = ["actve"]
    problems = _problems(definition)
    assert problems[f"transitions[{index}].sources[0]"] == [
        "unknown stage 'actve' (did you mean 'active'?)"
    ]


def test_a_duplicate_stage_key_is_refused(definition) -> None:
    definition["stages"].append(dict(definition["stages"][1]))
    problems = _problems(definition)
    last = len(definition["stages"]) - 1
    assert problems[f"stages[{last}].key"] == [
        "duplicate stage key 'identification' (already used by stages[1])"
    ]


def test_two_start_stages_are_refused(definition) -> None:
    definition["stages"][1]["kind"] = "start"
    problems = _problems(definition)
    assert "stages[0].kind" in problems
    assert "stages[1].kind" in problems


def test_no_start_stage_is_refused(definition) -> None:
    definition["stages"][0]["kind"] = "normal"
    assert "no stage has kind 'start'" in _problems(definition)["stages"][0]


def test_no_terminal_stage_is_refused(definition) -> None:
    for stage in definition["stages"]:
        if stage["kind"] == "terminal":
            stage["kind"] = "normal"
    assert any("terminal" in message for message in _problems(definition)["stages"])


def test_an_unreachable_stage_is_refused(definition) -> None:
    definition["stages"].append({"key": "intake_call", "label": "Intake call", "kind": "normal"})
    definition["transitions"].append(
        {
            "trigger": "finish_intake",
            "label": "Finish intake",
            "sources": ["intake_call"],
            "dest": "identification",
            "roles": ["program_manager"],
        }
    )
    last = len(definition["stages"]) - 1
    assert _problems(definition)[f"stages[{last}].key"] == [
        "stage 'intake_call' cannot be reached from the start stage 'referred'"
    ]


def test_a_stage_that_cannot_reach_an_end_is_refused(definition) -> None:
    definition["stages"].append({"key": "limbo", "label": "Limbo", "kind": "normal"})
    definition["transitions"].append(
        {
            "trigger": "enter_limbo",
            "label": "Enter limbo",
            "sources": ["review"],
            "dest": "limbo",
            "roles": ["program_manager"],
        }
    )
    last = len(definition["stages"]) - 1
    assert "no path leads from stage 'limbo'" in _problems(definition)[f"stages[{last}].key"][0]


def test_an_unknown_guard_is_named_with_a_suggestion(definition) -> None:
    index = _index(definition, "activate")
    definition["transitions"][index]["guards"] = ["plan_completed"]
    message = _problems(definition)[f"transitions[{index}].guards[0]"][0]
    assert message.startswith("unknown guard 'plan_completed' (did you mean 'plan_complete'?)")


def test_an_unknown_role_is_named_with_a_suggestion(definition) -> None:
    index = _index(definition, "activate")
    definition["transitions"][index]["roles"] = ["supervisr"]
    message = _problems(definition)[f"transitions[{index}].roles[0]"][0]
    assert message.startswith("unknown role 'supervisr' (did you mean 'supervisor'?)")


def test_a_duplicate_trigger_from_one_stage_is_refused(definition) -> None:
    index = _index(definition, "replan")
    definition["transitions"].append(dict(definition["transitions"][index], dest="active"))
    last = len(definition["transitions"]) - 1
    assert _problems(definition)[f"transitions[{last}].trigger"] == [
        f"trigger 'replan' from stage 'review' is already defined by transitions[{index}]"
    ]


def test_a_transition_may_not_leave_a_terminal_stage(definition) -> None:
    index = _index(definition, "close")
    definition["transitions"][index]["sources"] = ["withdrawn"]
    problems = _problems(definition)
    assert "terminal" in problems[f"transitions[{index}].sources[0]"][0]


def test_shape_errors_are_reported_at_their_paths(definition) -> None:
    definition["stages"][2]["kind"] = "middle"
    definition["stages"][3]["cadence"]["meetings_per_week"] = 15
    definition["transitions"][0]["colour"] = "red"
    problems = _problems(definition)
    assert set(problems) == {
        "stages[2].kind",
        "stages[3].cadence.meetings_per_week",
        "transitions[0].colour",
    }


def test_a_stage_cadence_may_owe_zero_and_says_whether_it_owes_with_a_boolean(
    definition,
) -> None:
    definition["stages"][3]["cadence"] = {"meetings_per_week": 0}
    validate_definition(definition, GUARDS)
    definition["stages"][3]["cadence"] = {"owes": "yes"}
    assert set(_problems(definition)) == {"stages[3].cadence.owes"}


def test_every_problem_is_reported_at_once(definition) -> None:
    definition["transitions"][0]["dest"] = "nowhere"
    definition["transitions"][1]["guards"] = ["nothing"]
    definition["transitions"][2]["roles"] = ["janitor"]
    problems = _problems(definition)
    assert {"transitions[0].dest", "transitions[1].guards[0]", "transitions[2].roles[0]"} <= set(
        problems
    )


def test_a_reserved_trigger_name_is_refused(definition) -> None:
    definition["transitions"][0]["trigger"] = "stage"
    assert "transitions[0].trigger" in _problems(definition)
