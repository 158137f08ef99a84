"""Checking a workflow definition against the guards registered on the current app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from ...errors import ValidationFailed
from ...workflows.definition import DefinitionInvalid, validate_definition


def guard_names() -> frozenset[str]:
    """The guards registered on the current app, which definitions may name."""
    return current_app.extensions["tpm"].ext.guards.names()


def check_definition(data: Any, workflow_key: str | None = None) -> dict[str, Any]:
    """Validate a definition against the app's guards (and, given, the workflow's key).

    Raises:
        ValidationFailed: every problem, keyed by JSON path (``transitions[3].dest``).
    """
    problems: dict[str, list[str]] = {}
    definition: dict[str, Any] = {}
    try:
        definition = validate_definition(data, guard_names())
    except DefinitionInvalid as invalid:
        problems = dict(invalid.problems)
    if workflow_key is not None and isinstance(data, Mapping):
        key = data.get("key")
        if isinstance(key, str) and key != workflow_key:
            problems.setdefault("key", []).append(
                f"the definition's key '{key}' is not this workflow's key '{workflow_key}'"
            )
    if problems:
        raise ValidationFailed(
            "The workflow definition is not valid; see the problem at each path.",
            fields=problems,
        )
    return definition


def definition_problems(data: Any, workflow_key: str | None = None) -> dict[str, list[str]]:
    """Every problem of a definition keyed by JSON path; empty when it is valid."""
    try:
        check_definition(data, workflow_key)
    except ValidationFailed as failed:
        return failed.fields
    return {}
