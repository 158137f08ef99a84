"""Drafts: how a program manager makes the next version of a workflow.

A draft starts as a copy of a published version (or a whole definition), is edited and
validated, and is published as the next immutable version, which discards it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import signals
from ...errors import Conflict, NotFound, ValidationFailed
from ...models import Workflow, WorkflowDraft, WorkflowVersion, utcnow
from .._unit import session, unit_of_work
from ._access import AnyActor, actor_id, may_manage
from .catalog import SHIPPED_WORKFLOW, changeable_workflow, newest_version
from .definitions import check_definition, definition_problems
from .published import VersionInfo, version_info, version_row


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


def create_draft(
    actor: AnyActor | None,
    key: str,
    definition: Any | None = None,
    from_version: int | None = None,
) -> DraftInfo:
    """Start a draft: a copy of ``from_version`` (default: the newest), or ``definition``.

    Raises:
        Forbidden: not a program manager, or a template (changed at the command line).
        NotFound: no such workflow or version, or another program's workflow.
        ValidationFailed: ``definition`` is invalid (nothing is stored), or the workflow has
            no version to copy and no definition was given.
    """
    may_manage(actor, "create")
    with unit_of_work():
        workflow = changeable_workflow(actor, key)
        newest = newest_version(workflow.id)
        if definition is not None:
            body = check_definition(definition, key)
        elif from_version is not None:
            body = version_row(key, from_version).definition
        elif newest is not None:
            body = version_row(key, newest).definition
        else:
            raise ValidationFailed(
                f"Workflow '{key}' has no published version to copy; send a whole definition.",
                fields={"_definition": ["Send the draft's definition as the body."]},
            )
        draft = WorkflowDraft(
            workflow_id=workflow.id,
            based_on_version=newest,
            definition=body,
            created_by=actor_id(actor),
        )
        session().add(draft)
        return _draft_info(key, draft)


def get_draft(actor: AnyActor | None, key: str, draft_id: int) -> DraftInfo:
    """One draft.

    Raises:
        NotFound: no such workflow or draft.
    """
    may_manage(actor, "read")
    with unit_of_work():
        return _draft_info(key, _draft(changeable_workflow(actor, key), draft_id))


def update_draft(actor: AnyActor | None, key: str, draft_id: int, definition: Any) -> DraftInfo:
    """Replace a draft's definition with a valid one.

    Raises:
        Forbidden: not a program manager.
        NotFound: no such workflow or draft.
        ValidationFailed: the definition is invalid (the draft is left as it was).
    """
    may_manage(actor, "update")
    with unit_of_work():
        draft = _draft(changeable_workflow(actor, key), draft_id)
        draft.definition = check_definition(definition, key)
        draft.updated_at = utcnow()
        return _draft_info(key, draft)


def validate_draft(actor: AnyActor | None, key: str, draft_id: int) -> dict[str, list[str]]:
    """Check a stored draft against the guards registered now; empty means publishable.

    Raises:
        NotFound: no such workflow or draft.
    """
    may_manage(actor, "validate")
    with unit_of_work():
        draft = _draft(changeable_workflow(actor, key), draft_id)
        return definition_problems(draft.definition, key)


def publish_draft(actor: AnyActor | None, key: str, draft_id: int) -> VersionInfo:
    """Publish a draft as the next immutable version, and discard the draft.

    Raises:
        Forbidden: not a program manager.
        NotFound: no such workflow or draft.
        ValidationFailed: the draft is not valid (nothing is published).
        Conflict: another version was published since the draft was made.
    """
    may_manage(actor, "publish")
    try:
        with unit_of_work() as unit:
            workflow = changeable_workflow(actor, key)
            draft = _draft(workflow, draft_id)
            definition = check_definition(draft.definition, key)
            newest = newest_version(workflow.id)
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
                published_by=actor_id(actor),
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
            result = version_info(key, version)
    except IntegrityError:
        raise Conflict(
            f"Another version of workflow '{key}' was published at the same moment; "
            "make a new draft from it."
        ) from None
    return result


def import_definition(
    actor: AnyActor | None, definition: Any, program_id: int | None = None
) -> DraftInfo:
    """Make a draft from a whole definition, creating its workflow if it is new (a template,
    or with ``program_id`` that program's own).

    Raises:
        ValidationFailed: the definition is invalid (nothing is stored).
    """
    may_manage(actor, "import")
    checked = check_definition(definition)
    with unit_of_work():
        exists = session().scalar(select(Workflow.id).where(Workflow.key == checked["key"]))
        if exists is None and checked["key"] != SHIPPED_WORKFLOW:
            session().add(Workflow(key=checked["key"], name=checked["name"], program_id=program_id))
    return create_draft(actor, checked["key"], checked)


def _draft(workflow: Workflow, draft_id: int) -> WorkflowDraft:
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
