"""Which guards the published versions name, against the guards this app registered.

A version is published on one server and may be run by another whose deployment lacks a
guard module; ``GET /health`` and ``flask tpm doctor`` ask :func:`guard_report` so the gap
shows before a partnership's transition meets it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ...models import Workflow, WorkflowVersion
from .._unit import session
from .definitions import guard_names


@dataclass(frozen=True)
class VersionGuards:
    """The guards one published version names, and those of them not registered here."""

    workflow_key: str
    version: int
    guards: tuple[str, ...]
    missing: tuple[str, ...]


def guard_report() -> list[VersionGuards]:
    """Every published version's guards, by workflow key and version, read in one query
    (outside any service transaction; the caller's session is left as it was)."""
    registered = guard_names()
    rows = session().execute(
        select(Workflow.key, WorkflowVersion.version, WorkflowVersion.definition)
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .order_by(Workflow.key, WorkflowVersion.version)
    )
    report = []
    for key, version, definition in rows:
        named = sorted(
            {name for item in definition.get("transitions", []) for name in item.get("guards", [])}
        )
        missing = tuple(name for name in named if name not in registered)
        report.append(VersionGuards(key, version, tuple(named), missing))
    session().rollback()
    return report


def missing_guards() -> dict[str, list[str]]:
    """Guards named by a published version but not registered here: each missing guard's
    name with the ``key@version`` of the versions naming it; empty when none is missing."""
    missing: dict[str, list[str]] = {}
    for entry in guard_report():
        for name in entry.missing:
            missing.setdefault(name, []).append(f"{entry.workflow_key}@{entry.version}")
    return missing
