"""Published versions: immutable once published, read by everyone, and compiled once.

New partnerships start on the newest published version (:func:`starting_point`); running
ones keep theirs, whose machine :func:`compiled_workflow` builds on first use and caches.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ...errors import Conflict, NotFound
from ...models import Workflow, WorkflowVersion
from ...workflows import engine
from .._unit import session, unit_of_work
from ._access import AnyActor, may_read
from .catalog import find_workflow, newest_version, readable_workflow


@dataclass(frozen=True)
class VersionInfo:
    """A published version, readable after its transaction."""

    workflow_key: str
    version: int
    definition: dict[str, Any]
    published_by: str | None
    published_at: dt.datetime


def list_versions(actor: AnyActor | None, key: str) -> list[VersionInfo]:
    """Every published version of a workflow, oldest first.

    Raises:
        NotFound: no workflow has ``key`` that the actor can reach.
    """
    may_read(actor)
    with unit_of_work():
        workflow = readable_workflow(actor, key)
        versions = (
            session()
            .scalars(
                select(WorkflowVersion)
                .where(WorkflowVersion.workflow_id == workflow.id)
                .order_by(WorkflowVersion.version)
            )
            .all()
        )
        return [version_info(key, version) for version in versions]


def get_version(actor: AnyActor | None, key: str, version: int) -> VersionInfo:
    """One published version.

    Raises:
        NotFound: no such workflow or version within the actor's reach.
    """
    may_read(actor)
    with unit_of_work():
        readable_workflow(actor, key)
        found = version_row(key, version)
        return version_info(key, found)


def version_row(key: str, version: int) -> WorkflowVersion:
    """The row of one published version, inside the caller's transaction.

    Raises:
        NotFound: no such workflow or version.
    """
    workflow = find_workflow(key)
    found = session().scalar(
        select(WorkflowVersion).where(
            WorkflowVersion.workflow_id == workflow.id, WorkflowVersion.version == version
        )
    )
    if found is None:
        raise NotFound(f"Workflow '{key}' has no published version {version}.")
    return found


def version_info(key: str, version: WorkflowVersion) -> VersionInfo:
    """A published version's row as a :class:`VersionInfo` (flushed first, for its id and
    timestamps)."""
    session().flush()
    return VersionInfo(
        workflow_key=key,
        version=version.version,
        definition=version.definition,
        published_by=version.published_by,
        published_at=version.published_at,
    )


def published_definition(workflow_key: str, version: int) -> dict[str, Any]:
    """The definition of a published version (cached with the version's machine).

    Raises:
        NotFound: no such workflow or version.
    """
    return copy.deepcopy(dict(compiled_workflow(workflow_key, version).definition))


def compiled_workflow(workflow_key: str, version: int) -> engine.CompiledWorkflow:
    """The cached machine and lookups of a published version, built on first use.

    Raises:
        NotFound: no such workflow or version.
    """
    return engine.compiled(workflow_key, version, _load_definition)


def starting_point(workflow_key: str) -> tuple[int, str]:
    """Where a new partnership on ``workflow_key`` starts: (newest version, start stage).

    On a fresh database the shipped workflow is published as version 1 first, inside the
    caller's transaction.

    Raises:
        Conflict: the workflow exists but has no published version yet.
        NotFound: no workflow has that key.
    """
    workflow = find_workflow(workflow_key)
    version = newest_version(workflow.id)
    if version is None:
        raise Conflict(
            f"Workflow '{workflow_key}' has no published version yet; publish a draft first."
        )
    return version, compiled_workflow(workflow_key, version).start


def export_definition(key: str, version: int | None = None) -> dict[str, Any]:
    """The definition of ``version`` (default: the newest) for ``flask tpm workflow export``.

    Raises:
        NotFound: no such workflow or version.
    """
    with unit_of_work():
        workflow = find_workflow(key)
        number = version if version is not None else newest_version(workflow.id)
        if number is None:
            raise NotFound(f"Workflow '{key}' has no published version to export.")
        return dict(version_row(key, number).definition)


def _load_definition(workflow_key: str, version: int) -> dict[str, Any]:
    definition = session().scalar(
        select(WorkflowVersion.definition)
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Workflow.key == workflow_key, WorkflowVersion.version == version)
    )
    if definition is None:
        raise NotFound(f"Workflow '{workflow_key}' has no published version {version}.")
    return definition
