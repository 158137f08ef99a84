"""Property tests: generated definitions, generated single-rule mutations, random walks."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tpm_plugin import TPM
from tpm_plugin.access import ROLES
from tpm_plugin.errors import TPMError
from tpm_plugin.models import Partnership, TransitionAudit
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import session
from tpm_plugin.workflows.definition import (
    DefinitionInvalid,
    default_definition,
    validate_definition,
)
from tpm_plugin.workflows.engine import build

from . import factories
from .workflow_helpers import entry, plan, review

REGISTRY = TPM().guards
GUARDS = sorted(REGISTRY.names())


@st.composite
def valid_definitions(draw) -> dict[str, Any]:
    """A chain s0 -> s1 -> … -> end (so every stage is reachable and can finish), plus
    random extra edges, guards and roles."""
    normal = draw(st.integers(min_value=1, max_value=6))
    keys = [f"s{i}" for i in range(normal + 1)]
    terminals = [f"end{i}" for i in range(draw(st.integers(min_value=1, max_value=2)))]
    stages = [{"key": keys[0], "label": "Start", "kind": "start"}]
    stages += [{"key": k, "label": k.upper(), "kind": "normal"} for k in keys[1:]]
    stages += [{"key": k, "label": k.upper(), "kind": "terminal"} for k in terminals]
    for stage in stages:
        if draw(st.booleans()):
            stage["cadence"] = {"meetings_per_week": draw(st.integers(1, 14))}
    chain = keys + [terminals[0]]
    edges = [(chain[i], chain[i + 1]) for i in range(len(chain) - 1)]
    edges += [(keys[0], terminal) for terminal in terminals[1:]]
    extra = draw(
        st.lists(st.tuples(st.sampled_from(keys), st.sampled_from(keys + terminals)), max_size=6)
    )
    transitions_ = []
    for index, (source, dest) in enumerate(edges + extra):
        transitions_.append(
            {
                "trigger": f"t{index}",
                "label": f"Transition {index}",
                "sources": [source],
                "dest": dest,
                "guards": draw(st.lists(st.sampled_from(GUARDS), max_size=2, unique=True)),
                "roles": draw(st.lists(st.sampled_from(ROLES), min_size=1, unique=True)),
                "reason_required": draw(st.booleans()),
            }
        )
    return {"key": "generated", "name": "Generated", "stages": stages, "transitions": transitions_}


@settings(max_examples=75, deadline=None)
@given(valid_definitions())
def test_generated_definitions_validate_build_a_machine_and_round_trip(definition) -> None:
    checked = validate_definition(definition, GUARDS)
    workflow = build("generated", 1, checked, REGISTRY)
    assert set(workflow.machine.states) == {s["key"] for s in definition["stages"]}
    exported = json.loads(json.dumps(checked))
    assert validate_definition(exported, GUARDS) == checked


def _mutate(definition: dict[str, Any], rule: str, pick: int) -> tuple[dict[str, Any], str]:
    """Break exactly ``rule``; return the broken definition and the path it must be named at."""
    broken = copy.deepcopy(definition)
    stages, moves = broken["stages"], broken["transitions"]
    i = pick % len(moves)
    if rule == "unknown_dest":
        moves[i]["dest"] = "nowhere_stage"
        return broken, f"transitions[{i}].dest"
    if rule == "unknown_source":
        moves[i]["sources"] = ["nowhere_stage"]
        return broken, f"transitions[{i}].sources[0]"
    if rule == "unknown_guard":
        moves[i]["guards"] = ["no_such_guard"]
        return broken, f"transitions[{i}].guards[0]"
    if rule == "unknown_role":
        moves[i]["roles"] = ["janitor"]
        return broken, f"transitions[{i}].roles[0]"
    if rule == "duplicate_pair":
        moves.append(dict(moves[i]))
        return broken, f"transitions[{len(moves) - 1}].trigger"
    if rule == "duplicate_stage":
        stages.append(dict(stages[pick % len(stages)]))
        return broken, f"stages[{len(stages) - 1}].key"
    if rule == "second_start":
        j = 1 + pick % (len(stages) - 1)
        stages[j]["kind"] = "start"
        return broken, f"stages[{j}].kind"
    if rule == "no_terminal":
        for stage in stages:
            if stage["kind"] == "terminal":
                stage["kind"] = "normal"
        return broken, "stages"
    if rule == "unreachable":
        stages.append({"key": "island", "label": "Island", "kind": "normal"})
        end = next(s["key"] for s in stages if s["kind"] == "terminal")
        moves.append(
            {
                "trigger": "leave_island",
                "label": "Leave",
                "sources": ["island"],
                "dest": end,
                "roles": ["supervisor"],
            }
        )
        return broken, f"stages[{len(stages) - 1}].key"
    assert rule == "dead_end"
    stages.append({"key": "dead_end", "label": "Dead end", "kind": "normal"})
    moves.append(
        {
            "trigger": "into_dead_end",
            "label": "In",
            "sources": [stages[0]["key"]],
            "dest": "dead_end",
            "roles": ["supervisor"],
        }
    )
    return broken, f"stages[{len(stages) - 1}].key"


RULES = [
    "unknown_dest",
    "unknown_source",
    "unknown_guard",
    "unknown_role",
    "duplicate_pair",
    "duplicate_stage",
    "second_start",
    "no_terminal",
    "unreachable",
    "dead_end",
]


@settings(max_examples=100, deadline=None)
@given(valid_definitions(), st.sampled_from(RULES), st.integers(min_value=0, max_value=50))
def test_a_mutation_breaking_one_rule_is_refused_at_its_path(definition, rule, pick) -> None:
    broken, path = _mutate(definition, rule, pick)
    with pytest.raises(DefinitionInvalid) as invalid:
        validate_definition(broken, GUARDS)
    assert path in invalid.value.problems


def _satisfy_guards(partnership_id: int) -> None:
    """Care records that let every guarded step of the default workflow through."""
    entries = [entry(partnership_id, "client_voice"), entry(partnership_id, "observation")]
    plan(partnership_id, 1, [entries])
    review(partnership_id, "close")


STAGES = {stage["key"] for stage in default_definition()["stages"]}


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(choices=st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=12))
def test_random_walks_reach_only_defined_stages_with_one_audit_row_per_step(
    app: Flask, choices: list[int]
) -> None:
    world = factories.world()
    pid = world.partnership.id
    _satisfy_guards(pid)
    manager = factories.actor(world.manager_user)
    steps = 0
    for choice in choices:
        options = transitions.available(manager, pid).available
        if not options:
            break
        option = options[choice % len(options)]
        try:
            stage = transitions.fire(manager, pid, option.trigger, "A reason.").stage
        except TPMError as error:
            pytest.fail(f"an available transition was refused: {error.to_dict()}")
        steps += 1
        assert stage in STAGES
    audited = session().scalar(
        select(func.count())
        .select_from(TransitionAudit)
        .where(TransitionAudit.partnership_id == pid)
    )
    assert audited == steps
    assert session().get(Partnership, pid).stage in STAGES
