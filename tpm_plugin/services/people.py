"""Programs and the people in them: program managers, clients, partners, supervisors.

Who may do what:

* creating and changing anything here is for program managers, within the programs they
  manage; creating a *program* through the API requires already managing one (the first
  program of a center comes from :func:`create_program`, called by the host, the CLI or the
  demo with the first managers' user ids);
* a supervisor sees their own program, themselves, the partners they supervise and those
  partners' clients; a partner sees their own program, themselves, their supervisors and
  their clients.

Reads of clients (care records) are audited; every change is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, false, func, or_, select

from ..access import PARTNER, PROGRAM_MANAGER, SUPERVISOR, Actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    Base,
    Client,
    Partner,
    Partnership,
    Program,
    ProgramManager,
    Supervisor,
    Workflow,
    WorkflowVersion,
    utcnow,
)
from ._races import duplicate_is_conflict
from ._reading import Page, detach, order_by, paginate
from ._unit import session, unit_of_work
from .access import (
    ALLOWED,
    forbid,
    partnership_scope,
    record_access,
    record_denied,
    record_reads,
    require_actor,
    require_some_role,
    touch,
)
from .history import TARGET_FIELDS, record_targets
from .workflow_versions.catalog import copy_for_program

#: Sort keys of the people lists.
PROGRAM_SORTS = ("id", "key", "created_at")
PERSON_SORTS = ("id", "created_at")


# --- programs -------------------------------------------------------------------------


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
        actor = _require_manager(actor, "program", None, "create")
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
    return _page(statement, query)


def get_program(actor: Actor | None, program_id: int) -> Program:
    """One program the actor works in.

    Raises:
        NotFound: no such program, or the actor has no part in it.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        program = _visible(
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
        program = _visible(
            unit.session, actor, Program, _program_scope(actor), program_id, "program"
        )
        _require_manages(actor, program.id, "program", program.id, "update")
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


# --- clients, partners, supervisors -------------------------------------------------


@dataclass(frozen=True)
class _PersonKind:
    """What differs between clients, partners and supervisors."""

    model: type[Base]
    object_type: str
    scope: Callable[[Actor], ColumnElement[bool]]
    audit_reads: bool
    unique_host_user_id: bool
    #: What reads (not changes) reach, when it is more than ``scope``.
    read_scope: Callable[[Actor], ColumnElement[bool]] | None = None

    def reading(self, actor: Actor) -> ColumnElement[bool]:
        """The WHERE clause of the people of this kind ``actor`` may read."""
        return (self.read_scope or self.scope)(actor)


def _client_scope(actor: Actor, *, reading: bool = False) -> ColumnElement[bool]:
    return or_(
        Client.program_id.in_(sorted(actor.managed_program_ids)),
        Client.id.in_(
            select(Partnership.client_id).where(partnership_scope(actor, reading=reading))
        ),
    )


def _client_read_scope(actor: Actor) -> ColumnElement[bool]:
    # A supervisor covering an absence reads the covered partnerships' clients while the
    # grant runs; changing a client stays with the program's managers.
    return _client_scope(actor, reading=True)


def _partner_scope(actor: Actor) -> ColumnElement[bool]:
    clauses = [Partner.program_id.in_(sorted(actor.managed_program_ids))]
    if actor.partner_ids:
        clauses.append(Partner.id.in_(sorted(actor.partner_ids)))
    if actor.supervisor_ids:
        clauses.append(
            Partner.id.in_(
                select(Partnership.partner_id).where(
                    Partnership.supervisor_id.in_(sorted(actor.supervisor_ids))
                )
            )
        )
    return or_(*clauses)


def _supervisor_scope(actor: Actor) -> ColumnElement[bool]:
    clauses = [Supervisor.program_id.in_(sorted(actor.managed_program_ids))]
    if actor.supervisor_ids:
        clauses.append(Supervisor.id.in_(sorted(actor.supervisor_ids)))
    if actor.partner_ids:
        clauses.append(
            Supervisor.id.in_(
                select(Partnership.supervisor_id).where(
                    Partnership.partner_id.in_(sorted(actor.partner_ids))
                )
            )
        )
    return or_(*clauses)


CLIENTS = _PersonKind(Client, "client", _client_scope, True, False, _client_read_scope)
PARTNERS = _PersonKind(Partner, "partner", _partner_scope, False, True)
SUPERVISORS = _PersonKind(Supervisor, "supervisor", _supervisor_scope, False, True)


def create_person(actor: Actor | None, kind: _PersonKind, data: dict[str, Any]) -> Any:
    """Create a client, partner or supervisor (``kind``: :data:`CLIENTS`, :data:`PARTNERS`
    or :data:`SUPERVISORS`) in a program the actor manages.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor manages no program.
        ValidationFailed: ``program_id`` is not a program the actor manages.
        Conflict: ``host_user_id`` is already linked to another person of this kind.
    """
    actor = _require_manager(actor, kind.object_type, None, "create")
    program_id = data["program_id"]
    if program_id not in actor.managed_program_ids:
        raise ValidationFailed(
            "You can only add people to programs you manage.",
            fields={"program_id": [f"No program {program_id} that you manage."]},
        )
    with _linked_race(kind), unit_of_work() as unit:
        _check_host_user_id(unit.session, kind, data["program_id"], data.get("host_user_id"), None)
        person = kind.model(**data)
        unit.session.add(person)
        unit.session.flush()
        record_access(actor, kind.object_type, person.id, "create", ALLOWED)
        detach(unit.session, [person])
    return person


def list_people(actor: Actor | None, kind: _PersonKind, query: dict[str, Any]) -> Page[Any]:
    """One page of the clients, partners or supervisors the actor may see, optionally of one
    ``program_id``. Client reads are audited, one row per client returned.

    Raises:
        Unauthenticated, Forbidden: nobody logged in, or no role at all (audited).
    """
    actor = require_some_role(actor, kind.object_type, "list")
    model = kind.model
    statement = select(model).where(kind.reading(actor))
    if query.get("program_id") is not None:
        statement = statement.where(model.program_id == query["program_id"])
    statement = order_by(
        statement, query["sort"], {"id": model.id, "created_at": model.created_at}, model.id
    )
    return _page(statement, query, kind.object_type if kind.audit_reads else None, actor)


def get_person(actor: Actor | None, kind: _PersonKind, person_id: int) -> Any:
    """One client, partner or supervisor the actor may see (client reads are audited).

    Raises:
        NotFound: no such person, or outside the actor's scope (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        person = _visible(
            unit.session, actor, kind.model, kind.reading(actor), person_id, kind.object_type
        )
        if kind.audit_reads:
            touch(
                actor,
                kind.object_type,
                person.id,
                "read",
                role=_reading_role(actor, {person.program_id}),
            )
        detach(unit.session, [person])
    return person


def update_person(
    actor: Actor | None, kind: _PersonKind, person_id: int, changes: dict[str, Any]
) -> Any:
    """Change a client, partner or supervisor (program managers of their program only).

    Raises:
        NotFound: outside the actor's scope.
        Forbidden: visible, but the actor does not manage its program.
        Conflict: ``host_user_id`` is already linked to another person of this kind.
    """
    actor = require_actor(actor)
    with _linked_race(kind), unit_of_work() as unit:
        person = _visible(
            unit.session, actor, kind.model, kind.scope(actor), person_id, kind.object_type
        )
        _require_manages(actor, person.program_id, kind.object_type, person.id, "update")
        if "host_user_id" in changes:
            _check_host_user_id(
                unit.session, kind, person.program_id, changes["host_user_id"], person.id
            )
        for name, value in changes.items():
            setattr(person, name, value)
        record_access(actor, kind.object_type, person.id, "update", ALLOWED)
        detach(unit.session, [person])
    return person


# --- shared helpers -------------------------------------------------------------------


def _require_manager(actor: Actor | None, object_type: str, object_id: Any, action: str) -> Actor:
    actor = require_some_role(actor, object_type, action)
    if not actor.managed_program_ids:
        forbid(
            actor,
            object_type,
            object_id,
            action,
            "Only program managers can do this; ask a manager of your program.",
        )
    return actor


def _require_manages(
    actor: Actor, program_id: int, object_type: str, object_id: Any, action: str
) -> None:
    if program_id not in actor.managed_program_ids:
        forbid(
            actor,
            object_type,
            object_id,
            action,
            f"Only the program managers of program {program_id} can change this.",
        )


def _visible(
    session, actor: Actor, model: type[Base], scope, object_id: int, object_type: str
) -> Any:
    row = session.scalars(select(model).where(model.id == object_id, scope)).first()
    if row is None:
        record_denied(actor, object_type, object_id, "read")
        raise NotFound(f"No {object_type} {object_id} that you can reach.")
    return row


def _reading_role(actor: Actor, program_ids: set[int]) -> str | None:
    """The role people of ``program_ids`` are read with: manager of one of them, else the
    senior role held elsewhere (a supervisor covering an absence reads as supervisor, even
    when they manage another program)."""
    if not program_ids:
        return actor.primary_role
    if program_ids & set(actor.managed_program_ids):
        return PROGRAM_MANAGER
    return next((role for role in (SUPERVISOR, PARTNER) if role in actor.roles), None)


def _check_host_user_id(
    session, kind: _PersonKind, program_id: int, host_user_id: str | None, own_id
) -> None:
    # One person of a kind per host user *in a program*: the same user may partner (or
    # supervise) in several programs.
    if not kind.unique_host_user_id or host_user_id is None:
        return
    model: Any = kind.model
    holder = session.scalar(
        select(model.id).where(model.host_user_id == host_user_id, model.program_id == program_id)
    )
    if holder is not None and holder != own_id:
        raise Conflict(
            f"That host user is already linked to {kind.object_type} {holder} of program "
            f"{program_id}.",
            fields={"host_user_id": [f"Already linked to {kind.object_type} {holder}."]},
        )


def _linked_race(kind: _PersonKind):
    """A concurrent request linked the same host user first (the unique constraint)."""
    message = f"That host user is already linked to a {kind.object_type}."
    return duplicate_is_conflict(message, {"host_user_id": [message]})


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


def _page(
    statement,
    query: dict[str, Any],
    audit_type: str | None = None,
    actor: Actor | None = None,
) -> Page[Any]:
    with unit_of_work() as unit:
        rows, total = paginate(unit.session, statement, query["page"], query["page_size"])
        if audit_type is not None and actor is not None:
            role = _reading_role(actor, {row.program_id for row in rows})
            record_reads(actor, audit_type, [row.id for row in rows], "list", role=role)
        detach(unit.session, rows)
    return Page(rows, query["page"], query["page_size"], total)
