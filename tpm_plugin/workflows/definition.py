"""A workflow definition as data: its marshmallow schema and the rules a definition obeys.

A definition is JSON::

    {"key": "therapeutic_partnership", "name": "Therapeutic Partnership",
     "stages": [{"key": "referred", "label": "Referred", "description": "...",
                 "kind": "start", "cadence": {"meetings_per_week": 3}}, ...],
     "transitions": [{"trigger": "begin_identification", "label": "Begin identification",
                      "sources": ["referred"], "dest": "identification", "guards": [],
                      "roles": ["program_manager"], "reason_required": false}, ...]}

:func:`validate_definition` checks the shape (types, lengths, known fields) and then the
graph: unique keys, exactly one start stage, at least one terminal stage, known sources,
destinations, guards and roles, every stage reachable from the start and able to reach a
terminal stage, no terminal stage left, and no (trigger, source) pair defined twice. Every
problem is reported at its JSON path (``transitions[3].dest``) with a suggestion where a
close name exists.
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from ..access import ROLES

START = "start"
NORMAL = "normal"
TERMINAL = "terminal"
STAGE_KINDS = (START, NORMAL, TERMINAL)

#: Stage keys, triggers and workflow keys: lowercase identifiers, so they are safe in URLs,
#: job payloads and Mermaid node ids.
KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
KEY_MAX = 64

#: The engine stores the stage on the partnership's ``stage`` attribute, and ``transitions``
#: refuses a trigger named like that attribute.
RESERVED_TRIGGERS = frozenset({"stage"})

DEFAULT_DEFINITION_FILE = "therapeutic_partnership.json"

_key = validate.And(
    validate.Length(min=1, max=KEY_MAX),
    validate.Regexp(
        KEY_PATTERN, error="Use lowercase letters, digits and '_', starting with a letter."
    ),
)


class DefinitionInvalid(Exception):
    """A definition broke one or more rules.

    Attributes:
        problems: messages keyed by JSON path (``"transitions[3].dest"``); the path
            ``"_definition"`` holds problems of the whole document.
    """

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__("; ".join(f"{path}: {m}" for path, ms in problems.items() for m in ms))
        self.problems = problems


class CadenceSchema(Schema):
    """A stage's cadence; each key is optional. ``owes`` says whether the stage owes
    meetings and supervision (default: whether it names either figure); a figure replaces
    the program's target while the partnership is in the stage (0 allowed)."""

    class Meta:
        unknown = RAISE

    owes = fields.Boolean(truthy={True}, falsy={False})
    meetings_per_week = fields.Integer(validate=validate.Range(min=0, max=14), strict=True)
    supervision_minutes_per_client = fields.Integer(
        validate=validate.Range(min=0, max=240), strict=True
    )
    review_every_weeks = fields.Integer(validate=validate.Range(min=1, max=52), strict=True)


class StageSchema(Schema):
    """One stage of a workflow."""

    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=_key)
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    description = fields.String(validate=validate.Length(max=2000))
    kind = fields.String(required=True, validate=validate.OneOf(STAGE_KINDS))
    cadence = fields.Nested(CadenceSchema)


class TransitionSchema(Schema):
    """One transition: a trigger that moves a partnership from any of its sources to dest."""

    class Meta:
        unknown = RAISE

    trigger = fields.String(required=True, validate=_key)
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    sources = fields.List(
        fields.String(validate=validate.Length(min=1, max=KEY_MAX)),
        required=True,
        validate=validate.Length(min=1, max=100),
    )
    dest = fields.String(required=True, validate=validate.Length(min=1, max=KEY_MAX))
    guards = fields.List(
        fields.String(validate=validate.Length(min=1, max=KEY_MAX)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    roles = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        required=True,
        validate=validate.Length(min=1, max=len(ROLES)),
    )
    reason_required = fields.Boolean(load_default=False)


class DefinitionSchema(Schema):
    """A whole workflow definition (shape only; :func:`validate_definition` adds the rules)."""

    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=_key)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    stages = fields.List(
        fields.Nested(StageSchema), required=True, validate=validate.Length(min=1, max=100)
    )
    transitions = fields.List(
        fields.Nested(TransitionSchema), required=True, validate=validate.Length(min=1, max=500)
    )


def default_definition() -> dict[str, Any]:
    """The shipped Therapeutic Partnership workflow definition (a fresh copy each call)."""
    text = resources.files(__package__).joinpath(DEFAULT_DEFINITION_FILE).read_text("utf-8")
    return json.loads(text)


def validate_definition(
    data: Any, guard_names: Iterable[str], roles: Iterable[str] = ROLES
) -> dict[str, Any]:
    """Check a definition and return it normalised (optional lists and flags filled in).

    Args:
        data: the parsed JSON.
        guard_names: the guards registered on the app (``tpm.guards``).
        roles: the roles a transition may name.

    Raises:
        DefinitionInvalid: with every problem found, keyed by JSON path.
    """
    try:
        definition = DefinitionSchema().load(copy.deepcopy(data))
    except ValidationError as error:
        raise DefinitionInvalid(json_paths(error.messages)) from None
    problems = _graph_problems(definition, frozenset(guard_names), frozenset(roles))
    if problems:
        raise DefinitionInvalid(problems)
    return definition


def problems_of(
    data: Any, guard_names: Iterable[str], roles: Iterable[str] = ROLES
) -> dict[str, list[str]]:
    """Every problem of a definition, keyed by JSON path; empty when it is valid."""
    try:
        validate_definition(data, guard_names, roles)
    except DefinitionInvalid as invalid:
        return invalid.problems
    return {}


def json_paths(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages keyed by JSON path (``stages[0].key``)."""
    if isinstance(messages, str):
        return {prefix or "_definition": [messages]}
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_definition": list(messages)}
    flat: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, Mapping) else enumerate(messages)
    for key, value in items:
        if key == "_schema":
            path = prefix or "_definition"
        elif isinstance(key, int):
            path = f"{prefix}[{key}]"
        else:
            path = f"{prefix}.{key}" if prefix else str(key)
        for sub_path, texts in json_paths(value, path).items():
            flat.setdefault(sub_path, []).extend(texts)
    return flat


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` naming the closest of ``candidates``, or ``""``."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _graph_problems(
    definition: dict[str, Any], guard_names: frozenset[str], roles: frozenset[str]
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        problems.setdefault(path, []).append(message)

    stages = definition["stages"]
    transitions = definition["transitions"]
    first_index: dict[str, int] = {}
    for index, stage in enumerate(stages):
        key = stage["key"]
        if key in first_index:
            add(
                f"stages[{index}].key",
                f"duplicate stage key '{key}' (already used by stages[{first_index[key]}])",
            )
        else:
            first_index[key] = index
    kinds = {stage["key"]: stage["kind"] for stage in stages}
    starts = [index for index, stage in enumerate(stages) if stage["kind"] == START]
    if not starts:
        add("stages", "no stage has kind 'start'; mark exactly one stage as the start")
    elif len(starts) > 1:
        names = ", ".join(f"'{stages[i]['key']}'" for i in starts)
        for index in starts:
            add(f"stages[{index}].kind", f"more than one start stage ({names}); keep exactly one")
    if not any(stage["kind"] == TERMINAL for stage in stages):
        add("stages", "no stage has kind 'terminal'; a partnership must be able to end")

    edges: dict[str, set[str]] = {key: set() for key in kinds}
    seen_pairs: dict[tuple[str, str], int] = {}
    for index, transition in enumerate(transitions):
        path = f"transitions[{index}]"
        trigger = transition["trigger"]
        if trigger in RESERVED_TRIGGERS:
            add(f"{path}.trigger", f"'{trigger}' is reserved; choose another trigger name")
        dest = transition["dest"]
        if dest not in kinds:
            add(f"{path}.dest", f"unknown stage '{dest}'{did_you_mean(dest, kinds)}")
        for position, source in enumerate(transition["sources"]):
            if source not in kinds:
                add(
                    f"{path}.sources[{position}]",
                    f"unknown stage '{source}'{did_you_mean(source, kinds)}",
                )
                continue
            if kinds[source] == TERMINAL:
                add(
                    f"{path}.sources[{position}]",
                    f"'{source}' is a terminal stage; no transition may leave it",
                )
            pair = (trigger, source)
            if pair in seen_pairs:
                add(
                    f"{path}.trigger",
                    f"trigger '{trigger}' from stage '{source}' is already defined "
                    f"by transitions[{seen_pairs[pair]}]",
                )
            else:
                seen_pairs[pair] = index
            if dest in kinds:
                edges[source].add(dest)
        for position, guard in enumerate(transition["guards"]):
            if guard not in guard_names:
                add(
                    f"{path}.guards[{position}]",
                    f"unknown guard '{guard}'{did_you_mean(guard, guard_names)}; registered guards: "
                    f"{', '.join(sorted(guard_names)) or 'none'}",
                )
        for position, role in enumerate(transition["roles"]):
            if role not in roles:
                add(
                    f"{path}.roles[{position}]",
                    f"unknown role '{role}'{did_you_mean(role, roles)}; roles are "
                    f"{', '.join(sorted(roles))}",
                )

    if len(starts) == 1:
        start = stages[starts[0]]["key"]
        reachable = _reach(start, edges)
        for key, index in first_index.items():
            if key not in reachable:
                add(
                    f"stages[{index}].key",
                    f"stage '{key}' cannot be reached from the start stage '{start}'",
                )
    terminals = {key for key, kind in kinds.items() if kind == TERMINAL}
    if terminals:
        reverse: dict[str, set[str]] = {key: set() for key in kinds}
        for source, dests in edges.items():
            for dest in dests:
                reverse[dest].add(source)
        can_finish = set().union(*(_reach(t, reverse) for t in terminals))
        for key, index in first_index.items():
            if key not in can_finish:
                add(
                    f"stages[{index}].key",
                    f"no path leads from stage '{key}' to a terminal stage; add a transition",
                )
    return problems


def _reach(origin: str, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {origin}
    frontier = [origin]
    while frontier:
        for following in edges.get(frontier.pop(), ()):
            if following not in seen:
                seen.add(following)
                frontier.append(following)
    return seen
