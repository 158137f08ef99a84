"""The workflows themselves: finding one by key, listing and creating them, and copying a
template into a program.

The shipped workflow (``therapeutic_partnership.json``) is a template, published as
version 1 the first time anything looks it up, inside the caller's transaction. A program
runs on its own copy (:func:`copy_for_program`), made when the program is created.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ...access import Actor
from ...errors import Conflict, NotFound, ValidationFailed
from ...models import Program, Workflow, WorkflowDraft, WorkflowVersion, program_copy_key
from ...workflows.definition import default_definition, validate_definition
from .._unit import session, unit_of_work
from ._access import (
    AnyActor,
    CommandLine,
    check_may_change,
    check_may_read,
    may_manage,
    may_read,
    program_ids_of,
)
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
    """The templates and the workflows of the actor's programs, each with its newest
    version and open drafts.

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
        statement = (
            select(Workflow, newest.c.newest)
            .outerjoin(newest, newest.c.workflow_id == Workflow.id)
            .order_by(Workflow.key)
        )
        if isinstance(actor, Actor):
            statement = statement.where(
                or_(
                    Workflow.program_id.is_(None),
                    Workflow.program_id.in_(sorted(program_ids_of(actor))),
                )
            )
        rows = session().execute(statement)
        return [_workflow_summary(workflow, version) for workflow, version in rows]


def get_workflow(actor: AnyActor | None, key: str) -> dict[str, Any]:
    """One workflow with its newest version and open drafts.

    Raises:
        NotFound: no workflow has ``key`` that the actor can reach.
    """
    may_read(actor)
    with unit_of_work():
        workflow = readable_workflow(actor, key)
        return _workflow_summary(workflow, newest_version(workflow.id))


def readable_workflow(actor: AnyActor, key: str) -> Workflow:
    """The workflow with ``key`` if ``actor`` may read it, inside the caller's transaction.

    Raises:
        NotFound: no such workflow, or another program's.
    """
    workflow = find_workflow(key)
    check_may_read(actor, workflow)
    return workflow


def changeable_workflow(actor: AnyActor, key: str) -> Workflow:
    """The workflow with ``key`` if ``actor`` may change it, inside the caller's transaction.

    Raises:
        NotFound: no such workflow, or another program's.
        Forbidden: a template, changed only at the command line.
    """
    workflow = find_workflow(key)
    check_may_change(actor, workflow)
    return workflow


def create_workflow(
    actor: AnyActor | None,
    key: str,
    name: str,
    program_id: int | None = None,
    template: str | None = None,
) -> dict[str, Any]:
    """Create a workflow of a program the actor manages: empty (its first draft needs a
    whole definition), or a copy of ``template``'s newest version as its version 1.
    Only the command line creates templates (no ``program_id``).

    Raises:
        Forbidden: not a program manager.
        ValidationFailed: ``program_id`` missing or not a program the actor manages, or
            ``template`` is not a template.
        Conflict: a workflow already has ``key``.
    """
    may_manage(actor, "create")
    if not isinstance(actor, CommandLine) and program_id not in actor.managed_program_ids:
        raise ValidationFailed(
            "A workflow belongs to a program you manage.",
            fields={"program_id": [f"No program {program_id} that you manage."]},
        )
    try:
        with unit_of_work():
            if program_id is not None and session().get(Program, program_id) is None:
                raise ValidationFailed(
                    "A workflow belongs to an existing program.",
                    fields={"program_id": [f"No program {program_id}."]},
                )
            workflow = Workflow(key=key, name=name, program_id=program_id)
            session().add(workflow)
            session().flush()
            if template is not None:
                _copy_newest(template_row(template, "template"), workflow)
            summary = _workflow_summary(workflow, newest_version(workflow.id))
    except IntegrityError:
        raise Conflict(f"A workflow with the key '{key}' already exists.") from None
    return summary


def template_row(key: str, field: str) -> Workflow:
    """The template with ``key``, inside the caller's transaction.

    Raises:
        ValidationFailed: no template has ``key`` (named at ``field``).
    """
    try:
        workflow = find_workflow(key)
    except NotFound:
        workflow = None
    if workflow is None or workflow.program_id is not None:
        raise ValidationFailed(
            f"No workflow template has the key '{key}'.",
            fields={field: [f"No workflow template '{key}'; '{SHIPPED_WORKFLOW}' is shipped."]},
        )
    if newest_version(workflow.id) is None:
        raise ValidationFailed(
            f"Workflow template '{key}' has no published version to copy.",
            fields={field: [f"Template '{key}' has no published version yet."]},
        )
    return workflow


def copy_for_program(program: Program, template_key: str, field: str = "workflow_key") -> str:
    """Give ``program`` its own copy of template ``template_key`` (its newest version, as
    version 1), inside the caller's transaction; returns the copy's key.

    Raises:
        ValidationFailed: no template has ``template_key`` (named at ``field``).
    """
    template = template_row(template_key, field)
    copy = Workflow(
        key=program_copy_key(program.key, program.id, template.key, _taken),
        name=template.name,
        program_id=program.id,
    )
    session().add(copy)
    session().flush()
    _copy_newest(template, copy)
    return copy.key


def _taken(key: str) -> bool:
    return session().scalar(select(Workflow.id).where(Workflow.key == key)) is not None


def _copy_newest(template: Workflow, copy: Workflow) -> None:
    newest = session().scalar(
        select(WorkflowVersion)
        .where(WorkflowVersion.workflow_id == template.id)
        .order_by(WorkflowVersion.version.desc())
        .limit(1)
    )
    if newest is None:
        return
    definition = {**newest.definition, "key": copy.key}
    session().add(WorkflowVersion(workflow_id=copy.id, version=1, definition=definition))
    session().flush()


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
        "program_id": workflow.program_id,
        "newest_version": newest,
        "draft_ids": list(drafts),
        "created_at": workflow.created_at,
    }
