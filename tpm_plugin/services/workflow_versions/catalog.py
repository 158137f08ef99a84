"""The workflows themselves: finding one by key, listing and creating them.

The shipped workflow (``therapeutic_partnership.json``) is published as version 1 the
first time anything looks it up, inside the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...errors import Conflict, NotFound
from ...models import Workflow, WorkflowDraft, WorkflowVersion
from ...workflows.definition import default_definition, validate_definition
from .._unit import session, unit_of_work
from ._access import AnyActor, may_manage, may_read
from .definitions import guard_names

#: The key of the workflow the plugin ships (``therapeutic_partnership.json``).
SHIPPED_WORKFLOW = "therapeutic_partnership"


def find_workflow(key: str) -> Workflow:
    """The workflow with ``key``, publishing the shipped one first if it is missing.

    Raises:
        NotFound: no workflow has ``key``.
    """
    found = session().scalar(select(Workflow).where(Workflow.key == key))
    if found is None and key == SHIPPED_WORKFLOW:
        _publish_shipped()
        found = session().scalar(select(Workflow).where(Workflow.key == key))
    if found is None:
        raise NotFound(f"No workflow with the key '{key}'.")
    return found


def newest_version(workflow_id: int) -> int | None:
    """The number of the workflow's newest published version; ``None`` before the first."""
    return session().scalar(
        select(func.max(WorkflowVersion.version)).where(WorkflowVersion.workflow_id == workflow_id)
    )


def list_workflows(actor: AnyActor | None) -> list[dict[str, Any]]:
    """Every workflow with its newest version and open drafts.

    Raises:
        Unauthenticated / Forbidden: nobody, or an account without a plugin role.
    """
    may_read(actor)
    with unit_of_work():
        find_workflow(SHIPPED_WORKFLOW)
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


def get_workflow(actor: AnyActor | None, key: str) -> dict[str, Any]:
    """One workflow with its newest version and open drafts.

    Raises:
        NotFound: no workflow has ``key``.
    """
    may_read(actor)
    with unit_of_work():
        workflow = find_workflow(key)
        return _workflow_summary(workflow, newest_version(workflow.id))


def create_workflow(actor: AnyActor | None, key: str, name: str) -> dict[str, Any]:
    """Create an empty workflow; its first draft needs a whole definition.

    Raises:
        Forbidden: not a program manager.
        Conflict: a workflow already has ``key``.
    """
    may_manage(actor, "create")
    try:
        with unit_of_work():
            workflow = Workflow(key=key, name=name)
            session().add(workflow)
            session().flush()
            summary = _workflow_summary(workflow, None)
    except IntegrityError:
        raise Conflict(f"A workflow with the key '{key}' already exists.") from None
    return summary


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
