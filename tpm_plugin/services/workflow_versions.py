"""Workflows, their drafts and immutable published versions, and moving partnerships between
versions.

A program manager makes a draft from the newest version, edits and validates it, and
publishes it as version N+1. New partnerships start on the newest published version;
running ones stay on theirs until :func:`migrate_partnerships` moves them with an explicit
stage mapping, each move audited in ``tpm_partnership_migrations``.

Every function taking an ``actor`` accepts either the API's :class:`~tpm_plugin.Actor`
(program managers change workflows; anyone with a role reads them) or :data:`COMMAND_LINE`,
the operator at the ``flask tpm workflow`` command, who is trusted.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..access import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    OutboxMessage,
    Partnership,
    PartnershipMigration,
    Workflow,
    WorkflowDraft,
    WorkflowVersion,
    utcnow,
)
from ..workflows import engine
from ..workflows.definition import (
    DefinitionInvalid,
    default_definition,
    did_you_mean,
    validate_definition,
)
from ._unit import session, unit_of_work
from .access import forbid, record_denied, require_some_role

#: The key of the workflow the plugin ships (``therapeutic_partnership.json``).
SHIPPED_WORKFLOW = "therapeutic_partnership"

#: The job the outbox names when a partnership enters a stage with scheduled work.
STAGE_WORK_JOB = "tpm.stage_entered"


@dataclass(frozen=True)
class VersionInfo:
    """A published version, readable after its transaction."""

    workflow_key: str
    version: int
    definition: dict[str, Any]
    published_by: str | None
    published_at: dt.datetime


@dataclass(frozen=True)
class DraftInfo:
    """A draft, readable after its transaction."""

    id: int
    workflow_key: str
    based_on_version: int | None
    definition: dict[str, Any]
    created_by: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class CommandLine:
    """The operator running ``flask tpm workflow …``: trusted, audited as ``actor_id``."""

    actor_id: str = "command-line"


COMMAND_LINE = CommandLine()

AnyActor = Actor | CommandLine


def _actor_id(actor: AnyActor) -> str:
    return actor.actor_id if isinstance(actor, CommandLine) else actor.user_id


def _may_read(actor: AnyActor | None) -> None:
    if not isinstance(actor, CommandLine):
        require_some_role(actor, "workflow", "read")


def _may_manage(actor: AnyActor | None, action: str) -> None:
    if isinstance(actor, CommandLine):
        return
    actor = require_some_role(actor, "workflow", action)
    if not actor.managed_program_ids:
        forbid(actor, "workflow", None, action, "Only a program manager may change workflows.")


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


# --- reading -------------------------------------------------------------------------


def _workflow(key: str) -> Workflow:
    found = session().scalar(select(Workflow).where(Workflow.key == key))
    if found is None and key == SHIPPED_WORKFLOW:
        _publish_shipped()
        found = session().scalar(select(Workflow).where(Workflow.key == key))
    if found is None:
        raise NotFound(f"No workflow with the key '{key}'.")
    return found


def _newest_version(workflow_id: int) -> int | None:
    return session().scalar(
        select(func.max(WorkflowVersion.version)).where(WorkflowVersion.workflow_id == workflow_id)
    )


def _publish_shipped() -> None:
    """Publish the shipped definition as version 1, tolerating a concurrent first publish."""
    definition = validate_definition(default_definition(), guard_names())
    try:
        with session().begin_nested():
            workflow = Workflow(key=definition["key"], name=definition["name"])
            session().add(workflow)
            session().flush()
            session().add(
                WorkflowVersion(workflow_id=workflow.id, version=1, definition=definition)
            )
    except IntegrityError:
        pass


def list_workflows(actor: AnyActor | None) -> list[dict[str, Any]]:
    """Every workflow with its newest version and open drafts.

    Raises:
        Unauthenticated / Forbidden: nobody, or an account without a plugin role.
    """
    _may_read(actor)
    with unit_of_work():
        _workflow(SHIPPED_WORKFLOW)
        newest = (
            select(WorkflowVersion.workflow_id, func.max(WorkflowVersion.version).label("newest"))
            .group_by(WorkflowVersion.workflow_id)
            .subquery()
        )
        rows = session().execute(
            select(Workflow, newest.c.newest)
            .outerjoin(newest, newest.c.workflow_id == Workflow.id)
            .order_by(Workflow.key)
        )
        return [_workflow_summary(workflow, version) for workflow, version in rows]


def _workflow_summary(workflow: Workflow, newest: int | None) -> dict[str, Any]:
    drafts = (
        session()
        .scalars(select(WorkflowDraft.id).where(WorkflowDraft.workflow_id == workflow.id))
        .all()
    )
    return {
        "key": workflow.key,
        "name": workflow.name,
        "newest_version": newest,
        "draft_ids": list(drafts),
        "created_at": workflow.created_at,
    }


def get_workflow(actor: AnyActor | None, key: str) -> dict[str, Any]:
    """One workflow with its newest version and open drafts.

    Raises:
        NotFound: no workflow has ``key``.
    """
    _may_read(actor)
    with unit_of_work():
        workflow = _workflow(key)
        return _workflow_summary(workflow, _newest_version(workflow.id))


def create_workflow(actor: AnyActor | None, key: str, name: str) -> dict[str, Any]:
    """Create an empty workflow; its first draft needs a whole definition.

    Raises:
        Forbidden: not a program manager.
        Conflict: a workflow already has ``key``.
    """
    _may_manage(actor, "create")
    try:
        with unit_of_work():
            workflow = Workflow(key=key, name=name)
            session().add(workflow)
            session().flush()
            summary = _workflow_summary(workflow, None)
    except IntegrityError:
        raise Conflict(f"A workflow with the key '{key}' already exists.") from None
    return summary


def list_versions(actor: AnyActor | None, key: str) -> list[VersionInfo]:
    """Every published version of a workflow, oldest first.

    Raises:
        NotFound: no workflow has ``key``.
    """
    _may_read(actor)
    with unit_of_work():
        workflow = _workflow(key)
        versions = (
            session()
            .scalars(
                select(WorkflowVersion)
                .where(WorkflowVersion.workflow_id == workflow.id)
                .order_by(WorkflowVersion.version)
            )
            .all()
        )
        return [_version_info(key, version) for version in versions]


def get_version(actor: AnyActor | None, key: str, version: int) -> VersionInfo:
    """One published version.

    Raises:
        NotFound: no such workflow or version.
    """
    _may_read(actor)
    with unit_of_work():
        found = _version_row(key, version)
        return _version_info(key, found)


def _version_row(key: str, version: int) -> WorkflowVersion:
    workflow = _workflow(key)
    found = session().scalar(
        select(WorkflowVersion).where(
            WorkflowVersion.workflow_id == workflow.id, WorkflowVersion.version == version
        )
    )
    if found is None:
        raise NotFound(f"Workflow '{key}' has no published version {version}.")
    return found


def _version_info(key: str, version: WorkflowVersion) -> VersionInfo:
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


def _load_definition(workflow_key: str, version: int) -> dict[str, Any]:
    definition = session().scalar(
        select(WorkflowVersion.definition)
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Workflow.key == workflow_key, WorkflowVersion.version == version)
    )
    if definition is None:
        raise NotFound(f"Workflow '{workflow_key}' has no published version {version}.")
    return definition


def starting_point(workflow_key: str) -> tuple[int, str]:
    """Where a new partnership on ``workflow_key`` starts: (newest version, start stage).

    On a fresh database the shipped workflow is published as version 1 first, inside the
    caller's transaction.

    Raises:
        Conflict: the workflow exists but has no published version yet.
        NotFound: no workflow has that key.
    """
    workflow = _workflow(workflow_key)
    version = _newest_version(workflow.id)
    if version is None:
        raise Conflict(
            f"Workflow '{workflow_key}' has no published version yet; publish a draft first."
        )
    return version, compiled_workflow(workflow_key, version).start


# --- drafts --------------------------------------------------------------------------


def _draft(workflow: Workflow, draft_id: int) -> DraftInfo:
    draft = session().get(WorkflowDraft, draft_id)
    if draft is None or draft.workflow_id != workflow.id:
        raise NotFound(f"Workflow '{workflow.key}' has no draft {draft_id}.")
    return draft


def _draft_info(key: str, draft: WorkflowDraft) -> DraftInfo:
    session().flush()
    return DraftInfo(
        id=draft.id,
        workflow_key=key,
        based_on_version=draft.based_on_version,
        definition=draft.definition,
        created_by=draft.created_by,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
    )


def create_draft(
    actor: AnyActor | None,
    key: str,
    definition: Any | None = None,
    from_version: int | None = None,
) -> DraftInfo:
    """Start a draft: a copy of ``from_version`` (default: the newest), or ``definition``.

    Raises:
        Forbidden: not a program manager.
        NotFound: no such workflow or version.
        ValidationFailed: ``definition`` is invalid (nothing is stored), or the workflow has
            no version to copy and no definition was given.
    """
    _may_manage(actor, "create")
    with unit_of_work():
        workflow = _workflow(key)
        newest = _newest_version(workflow.id)
        if definition is not None:
            body = check_definition(definition, key)
        elif from_version is not None:
            body = _version_row(key, from_version).definition
        elif newest is not None:
            body = _version_row(key, newest).definition
        else:
            raise ValidationFailed(
                f"Workflow '{key}' has no published version to copy; send a whole definition.",
                fields={"_definition": ["Send the draft's definition as the body."]},
            )
        draft = WorkflowDraft(
            workflow_id=workflow.id,
            based_on_version=newest,
            definition=body,
            created_by=_actor_id(actor),
        )
        session().add(draft)
        return _draft_info(key, draft)


def get_draft(actor: AnyActor | None, key: str, draft_id: int) -> DraftInfo:
    """One draft.

    Raises:
        NotFound: no such workflow or draft.
    """
    _may_manage(actor, "read")
    with unit_of_work():
        return _draft_info(key, _draft(_workflow(key), draft_id))


def update_draft(actor: AnyActor | None, key: str, draft_id: int, definition: Any) -> DraftInfo:
    """Replace a draft's definition with a valid one.

    Raises:
        Forbidden: not a program manager.
        NotFound: no such workflow or draft.
        ValidationFailed: the definition is invalid (the draft is left as it was).
    """
    _may_manage(actor, "update")
    with unit_of_work():
        draft = _draft(_workflow(key), draft_id)
        draft.definition = check_definition(definition, key)
        draft.updated_at = utcnow()
        return _draft_info(key, draft)


def validate_draft(actor: AnyActor | None, key: str, draft_id: int) -> dict[str, list[str]]:
    """Check a stored draft against the guards registered now; empty means publishable.

    Raises:
        NotFound: no such workflow or draft.
    """
    _may_manage(actor, "validate")
    with unit_of_work():
        draft = _draft(_workflow(key), draft_id)
        return definition_problems(draft.definition, key)


def publish_draft(actor: AnyActor | None, key: str, draft_id: int) -> VersionInfo:
    """Publish a draft as the next immutable version, and discard the draft.

    Raises:
        Forbidden: not a program manager.
        NotFound: no such workflow or draft.
        ValidationFailed: the draft is not valid (nothing is published).
        Conflict: another version was published since the draft was made.
    """
    _may_manage(actor, "publish")
    try:
        with unit_of_work() as unit:
            workflow = _workflow(key)
            draft = _draft(workflow, draft_id)
            definition = check_definition(draft.definition, key)
            newest = _newest_version(workflow.id)
            if newest != draft.based_on_version:
                raise Conflict(
                    f"Draft {draft_id} was made from version {draft.based_on_version}, but "
                    f"version {newest} has been published since; make a new draft from it.",
                    extra={"newest_version": newest},
                )
            version = WorkflowVersion(
                workflow_id=workflow.id,
                version=(newest or 0) + 1,
                definition=definition,
                published_by=_actor_id(actor),
            )
            session().add(version)
            session().delete(draft)
            session().flush()
            number = version.version
            unit.after_commit(
                lambda: signals.workflow_published.send(
                    current_app._get_current_object(), workflow_key=key, version=number
                )
            )
            result = _version_info(key, version)
    except IntegrityError:
        raise Conflict(
            f"Another version of workflow '{key}' was published at the same moment; "
            "make a new draft from it."
        ) from None
    return result


# --- migration -----------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationResult:
    """One partnership moved to another version."""

    partnership_id: int
    from_version: int
    to_version: int
    from_stage: str
    to_stage: str


def migrate_partnerships(
    actor: AnyActor | None,
    key: str,
    to_version: int,
    partnership_ids: Sequence[int],
    stage_mapping: Mapping[str, str] | None = None,
) -> list[MigrationResult]:
    """Move partnerships to a newer published version of their workflow.

    A stage that exists in the target version keeps its key unless ``stage_mapping`` says
    otherwise; a stage the target lacks must be mapped. Either every partnership moves or
    none does; each move leaves a ``tpm_partnership_migrations`` row.

    Args:
        actor: a program manager of every partnership's program, or :data:`COMMAND_LINE`.
        key: the workflow the partnerships follow.
        to_version: the published version to move them to.
        partnership_ids: the partnerships to move.
        stage_mapping: old stage key -> stage key in ``to_version``.

    Raises:
        Forbidden: not a program manager.
        NotFound: the version does not exist, or a partnership is outside the actor's
            programs (audited as denied).
        ValidationFailed: a current stage has no mapping (named at ``stage_mapping.<stage>``),
            a mapping names an unknown stage, or a partnership is on another workflow or
            already on that version or a newer one. Nothing moves.
    """
    _may_manage(actor, "migrate")
    mapping = dict(stage_mapping or {})
    ids = list(dict.fromkeys(partnership_ids))
    with unit_of_work():
        target = compiled_workflow(key, to_version)
        query = select(Partnership).where(Partnership.id.in_(ids)).with_for_update()
        if isinstance(actor, Actor):
            query = query.where(Partnership.program_id.in_(sorted(actor.managed_program_ids)))
        rows = {row.id: row for row in session().scalars(query)}
        missing = [pid for pid in ids if pid not in rows]
        if missing:
            for pid in missing:
                record_denied(
                    actor if isinstance(actor, Actor) else None, "partnership", pid, "migrate"
                )
            raise NotFound(
                f"No partnerships {', '.join(map(str, missing))} in programs you manage."
            )
        problems = _mapping_problems(target, mapping)
        for index, pid in enumerate(ids):
            row = rows[pid]
            path = f"partnership_ids[{index}]"
            if row.workflow_key != key:
                problems.setdefault(path, []).append(
                    f"partnership {pid} follows workflow '{row.workflow_key}', not '{key}'"
                )
            elif row.workflow_version >= to_version:
                problems.setdefault(path, []).append(
                    f"partnership {pid} is already on version {row.workflow_version}; "
                    "migrate only to a newer version"
                )
            for stage in (row.stage, row.held_from_stage):
                if stage is not None and _mapped(target, mapping, stage) is None:
                    problems.setdefault(f"stage_mapping.{stage}", []).append(
                        f"partnership {pid} is in stage '{stage}', which version {to_version} "
                        f"does not have; map it to one of: {', '.join(target.stages)}"
                    )
        if problems:
            raise ValidationFailed(
                "The partnerships cannot move to that version; nothing was migrated.",
                fields={path: list(dict.fromkeys(texts)) for path, texts in problems.items()},
            )
        return [_migrate_one(actor, rows[pid], target, mapping) for pid in ids]


def _mapping_problems(
    target: engine.CompiledWorkflow, mapping: Mapping[str, str]
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for old, new in mapping.items():
        if new not in target.stages:
            problems.setdefault(f"stage_mapping.{old}", []).append(
                f"unknown stage '{new}' in version {target.version}{did_you_mean(new, target.stages)}"
            )
    return problems


def _mapped(target: engine.CompiledWorkflow, mapping: Mapping[str, str], stage: str) -> str | None:
    new = mapping.get(stage, stage)
    return new if new in target.stages else None


def _migrate_one(
    actor: AnyActor | None,
    partnership: Partnership,
    target: engine.CompiledWorkflow,
    mapping: Mapping[str, str],
) -> MigrationResult:
    now = utcnow()
    from_version, from_stage = partnership.workflow_version, partnership.stage
    to_stage = _mapped(target, mapping, from_stage)
    assert to_stage is not None  # checked by the caller before anything moved
    partnership.workflow_version = target.version
    if partnership.held_from_stage is not None:
        partnership.held_from_stage = _mapped(target, mapping, partnership.held_from_stage)
    if to_stage != from_stage:
        partnership.stage = to_stage
        partnership.stage_entered_at = now
    session().add(
        PartnershipMigration(
            partnership_id=partnership.id,
            workflow_key=target.key,
            from_version=from_version,
            to_version=target.version,
            from_stage=from_stage,
            to_stage=to_stage,
            actor_id=_actor_id(actor),
            occurred_at=now,
        )
    )
    if target.has_scheduled_work(to_stage):
        # The new version may set another cadence: the jobs re-plan this stage's work.
        add_stage_work(partnership, to_stage, target, now, partnership.version_id + 1)
    return MigrationResult(partnership.id, from_version, target.version, from_stage, to_stage)


def add_stage_work(
    partnership: Partnership,
    stage: str,
    workflow: engine.CompiledWorkflow,
    entered_at: dt.datetime,
    row_version: int,
) -> None:
    """Add the outbox row that tells the jobs a partnership entered a stage with a cadence.

    The payload holds ids and keys only; ``row_version`` (the partnership's version after
    this change) makes the dedupe key unique per entry.
    """
    session().add(
        OutboxMessage(
            job_name=STAGE_WORK_JOB,
            payload={
                "partnership_id": partnership.id,
                "stage": stage,
                "workflow_key": workflow.key,
                "workflow_version": workflow.version,
                "entered_at": entered_at.isoformat(),
            },
            dedupe_key=f"stage-entered:{partnership.id}:{row_version}",
            available_at=entered_at,
        )
    )


def export_definition(key: str, version: int | None = None) -> dict[str, Any]:
    """The definition of ``version`` (default: the newest) for ``flask tpm workflow export``.

    Raises:
        NotFound: no such workflow or version.
    """
    with unit_of_work():
        workflow = _workflow(key)
        number = version if version is not None else _newest_version(workflow.id)
        if number is None:
            raise NotFound(f"Workflow '{key}' has no published version to export.")
        return dict(_version_row(key, number).definition)


def import_definition(actor: AnyActor | None, definition: Any) -> DraftInfo:
    """Make a draft from a whole definition, creating its workflow if it is new.

    Raises:
        ValidationFailed: the definition is invalid (nothing is stored).
    """
    _may_manage(actor, "import")
    checked = check_definition(definition)
    with unit_of_work():
        exists = session().scalar(select(Workflow.id).where(Workflow.key == checked["key"]))
        if exists is None and checked["key"] != SHIPPED_WORKFLOW:
            session().add(Workflow(key=checked["key"], name=checked["name"]))
    return create_draft(actor, checked["key"], checked)
