"""Programs and their program managers: creating (the center's first program too),
reading, changing, and adding managers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, false, func, or_, select

from ...access import Actor
from ...errors import Conflict, NotFound, ValidationFailed
from ...models import (
    Partner,
    Program,
    ProgramManager,
    Supervisor,
    Workflow,
    WorkflowVersion,
    utcnow,
)
from .._races import duplicate_is_conflict
from .._reading import Page, detach, order_by
from .._unit import session, unit_of_work
from ..access import ALLOWED, record_access, record_denied, require_actor, require_some_role
from ..history import TARGET_FIELDS, record_targets
from ..workflow_versions.catalog import copy_for_program
from ._shared import page, require_manager, require_manages, visible


def create_program(
    *,
    key: str,
    name: str,
    manager_user_ids: Iterable[str],
    timezone: str | None = None,
    meetings_per_week: int | None = None,
    supervision_minutes_per_client: int | None = None,
    workflow_key: str | None = None,
    setting: str = "individual",
    remind_guardians: bool = False,
    language: str | None = None,
    actor: Actor | None = None,
) -> Program:
    """Create a program managed by ``manager_user_ids`` (host user ids).

    This is how a center's first program comes to exist: the host, ``flask tpm`` or the demo
    calls it. Settings left out take the ``TPM_DEFAULT_*`` configuration. ``setting`` says
    how the program runs: ``individual`` or ``afterschool`` (where partners may log group
    activities). ``language`` (one of :data:`tpm_plugin.i18n.LANGUAGES`, or ``None``) is
    that of its pages and messages for people who chose none. The program gets its own copy of the workflow template ``workflow_key``
    (default ``TPM_DEFAULT_WORKFLOW``), which its managers then change as they see fit.

    Raises:
        ValidationFailed: no manager given (``manager_user_ids``), or ``workflow_key`` is
            not a workflow template.
        Conflict: a program with this ``key`` exists.
    """
    managers = sorted({str(user_id) for user_id in manager_user_ids})
    if not managers:
        raise ValidationFailed(
            "A program needs at least one program manager.",
            fields={"manager_user_ids": ["Name at least one host user id."]},
        )
    config = current_app.config
    taken = f"A program with key {key!r} exists; choose another key."
    taken_fields = {"key": ["Already used by another program."]}
    with duplicate_is_conflict(taken, taken_fields), unit_of_work() as unit:
        if unit.session.scalar(select(Program.id).where(Program.key == key)) is not None:
            raise Conflict(taken, fields=taken_fields)
        program = Program(
            key=key,
            name=name,
            timezone=timezone or config["TPM_DEFAULT_TIMEZONE"],
            meetings_per_week=meetings_per_week or config["TPM_DEFAULT_MEETINGS_PER_WEEK"],
            supervision_minutes_per_client=(
                supervision_minutes_per_client
                if supervision_minutes_per_client is not None
                else config["TPM_DEFAULT_SUPERVISION_MINUTES_PER_CLIENT"]
            ),
            setting=setting,
            remind_guardians=remind_guardians,
            language=language,
        )
        unit.session.add(program)
        unit.session.flush()
        program.workflow_key = copy_for_program(
            program, workflow_key or config["TPM_DEFAULT_WORKFLOW"]
        )
        record_targets(program, program.created_at, actor.user_id if actor else None)
        unit.session.add_all(
            ProgramManager(program_id=program.id, host_user_id=user_id) for user_id in managers
        )
        record_access(actor, "program", program.id, "create", ALLOWED)
        detach(unit.session, [program])
    return program


def create_program_as(actor: Actor | None, data: dict[str, Any]) -> Program:
    """``POST /programs``: a program manager creates another program, which they manage
    (with any further ``manager_user_ids`` in ``data``).

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor manages no program yet and is no center administrator (the
            first program is created with ``flask tpm programs create`` or by an
            administrator).
        Conflict: the key is taken.
    """
    actor = require_actor(actor)
    if not actor.is_admin:
        actor = require_manager(actor, "program", None, "create")
    fields = dict(data)
    managers = [actor.user_id, *fields.pop("manager_user_ids", [])]
    return create_program(**fields, manager_user_ids=managers, actor=actor)


def _program_scope(actor: Actor) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if actor.managed_program_ids:
        clauses.append(Program.id.in_(sorted(actor.managed_program_ids)))
    if actor.supervisor_ids:
        clauses.append(
            Program.id.in_(
                select(Supervisor.program_id).where(Supervisor.id.in_(sorted(actor.supervisor_ids)))
            )
        )
    if actor.partner_ids:
        clauses.append(
            Program.id.in_(
                select(Partner.program_id).where(Partner.id.in_(sorted(actor.partner_ids)))
            )
        )
    return or_(*clauses) if clauses else false()


def list_programs(actor: Actor | None, query: dict[str, Any]) -> Page[Program]:
    """The programs the actor works in, one page.

    Raises:
        Unauthenticated, Forbidden: nobody logged in, or no role at all.
    """
    actor = require_some_role(actor, "program", "list")
    statement = order_by(
        select(Program).where(_program_scope(actor)),
        query["sort"],
        {"id": Program.id, "key": Program.key, "created_at": Program.created_at},
        Program.id,
    )
    return page(statement, query)


def get_program(actor: Actor | None, program_id: int) -> Program:
    """One program the actor works in.

    Raises:
        NotFound: no such program, or the actor has no part in it.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        program = visible(
            unit.session, actor, Program, _program_scope(actor), program_id, "program"
        )
        detach(unit.session, [program])
    return program


def update_program(actor: Actor | None, program_id: int, changes: dict[str, Any]) -> Program:
    """Change a program's name, timezone, cadences or workflow (its program managers only).

    Raises:
        NotFound: not a program the actor works in.
        Forbidden: the actor works in it but does not manage it.
        ValidationFailed: ``workflow_key`` is not a workflow of this program with a
            published version.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        program = visible(
            unit.session, actor, Program, _program_scope(actor), program_id, "program"
        )
        require_manages(actor, program.id, "program", program.id, "update")
        if "workflow_key" in changes:
            _check_own_workflow(program.id, changes["workflow_key"])
        retargeted = any(
            getattr(program, name) != value
            for name, value in changes.items()
            if name in TARGET_FIELDS
        )
        for name, value in changes.items():
            setattr(program, name, value)
        if retargeted:
            # Weeks before now keep the targets that were in force in them.
            record_targets(program, utcnow(), actor.user_id)
        record_access(actor, "program", program.id, "update", ALLOWED)
        detach(unit.session, [program])
    return program


def list_program_managers(actor: Actor | None, program_id: int) -> list[ProgramManager]:
    """The program managers of a program (visible to its managers only).

    Raises:
        NotFound: not a program the actor manages.
    """
    actor = require_actor(actor)
    if program_id not in actor.managed_program_ids:
        record_denied(actor, "program", program_id, "list_managers")
        raise NotFound(f"No program {program_id} that you manage.")
    with unit_of_work() as unit:
        managers = list(
            unit.session.scalars(
                select(ProgramManager)
                .where(ProgramManager.program_id == program_id)
                .order_by(ProgramManager.id)
            )
        )
        detach(unit.session, managers)
    return managers


def add_program_manager(actor: Actor | None, program_id: int, host_user_id: str) -> ProgramManager:
    """Make a host user a manager of a program the actor manages.

    Raises:
        NotFound: not a program the actor manages.
        Conflict: that user already manages it.
    """
    actor = require_actor(actor)
    if program_id not in actor.managed_program_ids:
        record_denied(actor, "program", program_id, "add_manager")
        raise NotFound(f"No program {program_id} that you manage.")
    already = f"That user already manages program {program_id}."
    already_fields = {"host_user_id": ["Already a manager of this program."]}
    with duplicate_is_conflict(already, already_fields), unit_of_work() as unit:
        existing = unit.session.scalar(
            select(ProgramManager.id).where(
                ProgramManager.program_id == program_id,
                ProgramManager.host_user_id == host_user_id,
            )
        )
        if existing is not None:
            raise Conflict(already, fields=already_fields)
        manager = ProgramManager(program_id=program_id, host_user_id=host_user_id)
        unit.session.add(manager)
        unit.session.flush()
        record_access(actor, "program_manager", manager.id, "create", ALLOWED)
        detach(unit.session, [manager])
    return manager


def _check_own_workflow(program_id: int, workflow_key: str) -> None:
    newest = (
        select(func.max(WorkflowVersion.version))
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Workflow.key == workflow_key, Workflow.program_id == program_id)
    )
    if session().scalar(newest) is None:
        raise ValidationFailed(
            "A program runs on one of its own workflows with a published version.",
            fields={
                "workflow_key": [f"No published workflow '{workflow_key}' of program {program_id}."]
            },
        )
