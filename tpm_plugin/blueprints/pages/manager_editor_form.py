"""The stage editor's form: a workflow definition as flat form fields, and back.

Every field is named after its place in the definition (``stages-2-cadence-owes`` for
``stages[2].cadence.owes``), so a problem the workflows API reports at a JSON path is shown
beside the field it belongs to. Rows can be removed (a checkbox) and one blank stage and one
blank transition are always offered for adding, so the form works without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...workflows.definition import KEY_MAX

STAGE_FIELDS = (
    "key",
    "label",
    "kind",
    "description",
    "cadence-owes",
    "cadence-meetings_per_week",
    "cadence-supervision_minutes_per_client",
    "cadence-review_every_weeks",
)
TRANSITION_FIELDS = ("trigger", "label", "sources", "dest", "guards", "roles", "reason_required")
CADENCE_FIGURES = ("meetings_per_week", "supervision_minutes_per_client", "review_every_weeks")
#: The most rows a form may post (the definition schema's own limits, plus the blank row).
MAX_STAGES, MAX_TRANSITIONS = 101, 501
_LIST_ITEM = re.compile(r"-(sources|guards|roles)-\d+$")
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass
class EditorForm:
    """A definition read from the form, and for each of its stages and transitions the
    index of the form row it came from (they differ once a row is removed)."""

    definition: dict[str, Any]
    stage_rows: list[int] = field(default_factory=list)
    transition_rows: list[int] = field(default_factory=list)
    stage_count: int = 0
    transition_count: int = 0


def read_form(form: Mapping[str, Any], workflow_key: str) -> EditorForm:
    """The definition the editor's form describes (unchecked: the service checks it)."""
    stage_count = _count(form, "stage_count", MAX_STAGES)
    transition_count = _count(form, "transition_count", MAX_TRANSITIONS)
    parsed = EditorForm(
        {"key": workflow_key, "name": _text(form, "name"), "stages": [], "transitions": []},
        stage_count=stage_count,
        transition_count=transition_count,
    )
    for row in range(stage_count + 1):
        stage = _stage(form, f"stages-{row}-")
        if stage is not None:
            parsed.definition["stages"].append(stage)
            parsed.stage_rows.append(row)
    for row in range(transition_count + 1):
        transition = _transition(form, f"transitions-{row}-")
        if transition is not None:
            parsed.definition["transitions"].append(transition)
            parsed.transition_rows.append(row)
    return parsed


def from_definition(definition: Mapping[str, Any]) -> EditorForm:
    """The form for a stored definition, one row per stage and transition."""
    stages, transitions = definition.get("stages", []), definition.get("transitions", [])
    return EditorForm(
        dict(definition),
        list(range(len(stages))),
        list(range(len(transitions))),
        len(stages),
        len(transitions),
    )


def field_id(path: str, form: EditorForm | None = None) -> str:
    """The id of the form field a problem at JSON ``path`` belongs to; with ``form``, in
    the rows of the form as it was posted (before removed rows closed up)."""
    name = re.sub(r"\[(\d+)\]", r"-\1", path).replace(".", "-")
    name = _LIST_ITEM.sub(r"-\1", name)
    if form is not None:
        name = re.sub(
            r"^(stages|transitions)-(\d+)-",
            lambda m: f"{m[1]}-{_origin(form, m[1], int(m[2]))}-",
            name,
        )
    return name


def field_ids(form: EditorForm) -> list[str]:
    """Every field id of the form as posted (removed rows and the blank rows included)."""
    ids = ["name"]
    for row in range(form.stage_count + 1):
        ids.extend(f"stages-{row}-{name}" for name in STAGE_FIELDS)
    for row in range(form.transition_count + 1):
        ids.extend(f"transitions-{row}-{name}" for name in TRANSITION_FIELDS)
    return ids


def _origin(form: EditorForm, part: str, index: int) -> int:
    rows = form.stage_rows if part == "stages" else form.transition_rows
    return rows[index] if index < len(rows) else index


def _count(form: Mapping[str, Any], name: str, most: int) -> int:
    value = str(form.get(name, "0"))
    return min(int(value), most - 1) if value.isdigit() and len(value) < 6 else 0


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name, "")).strip()


def _number(text: str) -> Any:
    # A figure that is not a whole number goes through as typed, so the schema's own
    # message ("Not a valid integer.") is shown beside it.
    return int(text) if re.fullmatch(r"-?\d{1,6}", text) else text


def _stage(form: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    if form.get(prefix + "remove"):
        return None
    key, label = _text(form, prefix + "key"), _text(form, prefix + "label")
    if not key and not label:
        return None  # the blank row, left blank
    stage: dict[str, Any] = {"key": key, "label": label, "kind": _text(form, prefix + "kind")}
    description = _text(form, prefix + "description")
    if description:
        stage["description"] = description
    cadence: dict[str, Any] = {}
    owes = _text(form, prefix + "cadence-owes")
    if owes in ("yes", "no"):
        cadence["owes"] = owes == "yes"
    for figure in CADENCE_FIGURES:
        text = _text(form, f"{prefix}cadence-{figure}")
        if text:
            cadence[figure] = _number(text)
    if cadence:
        stage["cadence"] = cadence
    return stage


def _transition(form: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    if form.get(prefix + "remove"):
        return None
    trigger, label = _text(form, prefix + "trigger"), _text(form, prefix + "label")
    if not trigger and not label:
        return None
    sources = [s for s in _SEPARATORS.split(_text(form, prefix + "sources")) if s]
    return {
        "trigger": trigger,
        "label": label,
        "sources": [source[: KEY_MAX + 1] for source in sources],
        "dest": _text(form, prefix + "dest"),
        "guards": _values(form, prefix + "guards"),
        "roles": _values(form, prefix + "roles"),
        "reason_required": bool(form.get(prefix + "reason_required")),
    }


def _values(form: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(form, "getlist", None)
    values = getlist(name) if getlist is not None else [form.get(name, "")]
    return [str(value) for value in values if value]
