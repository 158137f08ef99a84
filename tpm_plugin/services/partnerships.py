"""Partnerships: opening one, reading and listing them, reassigning partner or supervisor.

Stage changes are not made here: they go through the workflow's transitions. A partnership
is only ever *given* a stage when it opens, at its workflow's start stage on the newest
published version.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, RowMapping, Select, select
from sqlalchemy.orm import Session

from ..access import PROGRAM_MANAGER, Actor
from ..errors import ValidationFailed
from ..models import (
    Client,
    Partner,
    Partnership,
    Program,
    Supervisor,
    utcnow,
)
from ..schemas.partnerships import PARTNERSHIP_SORTS
from ..signals import partnership_created
from ._partnership_lists import LIST_FILTERS, list_page
from ._reading import Page, detach, order_by, paginate
from ._unit import current_unit, unit_of_work
from .access import (
    ALLOWED,
    forbid,
    partnership_for,
    partnership_scope,
    record_access,
    record_reads,
    require_actor,
    require_some_role,
    role_reaching,
    touch,
)
from .audit_rows import mark_written
from .history import record_assignment
from .meeting_rules import clock_skew
from .overdue import overdue_clause
from .supervision_placement.requests import request_replacement


def create_partnership(actor: Actor | None, data: dict[str, Any]) -> Partnership:
    """Open a partnership between a client and (optionally, yet) a partner and a supervisor,
    in a program the actor manages, at the start stage of the program's workflow (newest
    published version).

    Args:
        data: ``program_id``, ``client_id`` and optional ``partner_id``, ``supervisor_id``,
            and ``started_at`` (when it began, if before it is recorded; default now).

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor manages no program (audited).
        ValidationFailed: a named program, client, partner or supervisor is not one the actor
            manages, belongs to another program, is erased or inactive; the partner and the
            supervisor are one person; ``started_at`` is in the future; or the client already
            has an open partnership in the program and no ``another_open_reason`` says why
            a second one is needed.
    """
    from .workflow_versions import starting_point

    actor = require_some_role(actor, "partnership", "create")
    if not actor.managed_program_ids:
        forbid(actor, "partnership", None, "create", "Only program managers open partnerships.")
    with unit_of_work() as unit:
        program = _managed_program(unit.session, actor, data["program_id"])
        _check_people(unit.session, program.id, data)
        _one_open_per_client(unit.session, program.id, data)
        workflow_version, stage = starting_point(program.workflow_key)
        now = utcnow()
        started_at = _start_of(data.get("started_at"), now)
        partnership = Partnership(
            program_id=program.id,
            client_id=data["client_id"],
            partner_id=data.get("partner_id"),
            supervisor_id=data.get("supervisor_id"),
            stage=stage,
            workflow_key=program.workflow_key,
            workflow_version=workflow_version,
            stage_entered_at=now,
            started_at=started_at,
            another_open_reason=data.get("another_open_reason"),
        )
        unit.session.add(partnership)
        unit.session.flush()
        record_assignment(partnership, now, actor.user_id)
        request_replacement(program.id)
        touch(
            actor,
            "partnership",
            partnership.id,
            "create",
            role=PROGRAM_MANAGER,
            program_id=program.id,
            partnership_id=partnership.id,
        )
        payload = {"partnership_id": partnership.id, "program_id": program.id, "stage": stage}
        app = current_app._get_current_object()
        unit.after_commit(lambda: partnership_created.send(app, **payload))
        detach(unit.session, [partnership])
    return partnership


def get_partnership(actor: Actor | None, partnership_id: int) -> Partnership:
    """One partnership the actor may see (the read is audited).

    Raises:
        NotFound: no such partnership, or outside the actor's scope (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_for(actor, partnership_id, "read", reading=True)
        record_access(actor, "partnership", partnership.id, "read", ALLOWED)
        detach(unit.session, [partnership])
    return partnership


def update_partnership(
    actor: Actor | None, partnership_id: int, changes: dict[str, Any]
) -> Partnership:
    """Reassign a partnership's partner or supervisor (its program's managers only).

    Raises:
        NotFound: outside the actor's scope.
        Forbidden: visible, but the actor does not manage its program (audited).
        ValidationFailed: the partnership is closed, the new partner or supervisor is not
            an active one of the partnership's program, or partner and supervisor would be
            one person.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_for(actor, partnership_id, "update", lock=True)
        if partnership.program_id not in actor.managed_program_ids:
            forbid(
                actor,
                "partnership",
                partnership.id,
                "update",
                "Only the program's managers can reassign a partnership.",
            )
        ensure_open(partnership, next(iter(changes), "partnership_id"))
        assigned = {
            "partner_id": partnership.partner_id,
            "supervisor_id": partnership.supervisor_id,
            **changes,
        }
        _check_people(unit.session, partnership.program_id, assigned)
        reassigned = any(getattr(partnership, name) != value for name, value in changes.items())
        for name, value in changes.items():
            setattr(partnership, name, value)
        if reassigned:
            # Weeks before now stay credited to whoever held the assignment then.
            record_assignment(partnership, utcnow(), actor.user_id)
            request_replacement(partnership.program_id)
        record_access(actor, "partnership", partnership.id, "update", ALLOWED)
        detach(unit.session, [partnership])
    return partnership


def list_partnerships(actor: Actor | None, query: dict[str, Any]) -> Page[RowMapping]:
    """One page of the partnerships the actor may see, filtered and stably sorted.

    Filters (all optional): ``program_id``, ``stage``, ``partner_id``, ``supervisor_id``,
    ``overdue`` (see :mod:`.overdue`). Each returned partnership's read is audited.
    Two statements whatever the page size: the page with its count, and the audit insert
    (on PostgreSQL one: the page's statement inserts the audit row too).
    Items are mappings of the partnership's columns: a list only shows them, and skipping
    the ORM's identity bookkeeping halves the cost of a page.

    Raises:
        Unauthenticated, Forbidden: nobody logged in, or no role at all (audited).
    """
    actor = require_some_role(actor, "partnership", "list")
    with unit_of_work() as unit:
        return read_partnership_list(unit.session, actor, query)


def read_partnership_list(
    session: Session, actor: Actor, query: dict[str, Any]
) -> Page[RowMapping]:
    """:func:`list_partnerships` inside the caller's unit of work (whose audit row is then
    the list's), for a page that lists partnerships with other reads in one transaction."""
    if query.get("overdue") is None:
        rows, total, audited = list_page(session, actor, query)
    else:
        rows, total, audited = *_overdue_page(session, actor, query), False
    programs = {row["program_id"] for row in rows} or {query.get("program_id")}
    record_reads(
        actor,
        "partnership",
        [row["id"] for row in rows],
        "list",
        program_id=next(iter(programs)) if len(programs) == 1 else None,
        role=role_reaching(actor, rows, actor.primary_role),
    )
    if audited:
        mark_written(current_unit().audit)
    return Page(rows, query["page"], query["page_size"], total)


def _overdue_page(session: Session, actor: Actor, query: dict[str, Any]) -> tuple[list, int]:
    # Which partnerships are overdue is worked out per request (see .overdue).
    statement = select(*Partnership.__table__.columns).where(*list_filters(actor, query))
    statement = _ordered(statement, query["sort"])
    return paginate(session, statement, query["page"], query["page_size"], plain_rows=True)


def _ordered(statement: Select, sort: str) -> Select:
    columns = {key: getattr(Partnership, key) for key in PARTNERSHIP_SORTS}
    return order_by(statement, sort, columns, Partnership.id)


def list_filters(actor: Actor, query: dict[str, Any]) -> list[ColumnElement[bool]]:
    """The WHERE clauses of :func:`list_partnerships`: the actor's scope and the filters
    ``query`` names (``program_id``, ``stage``, ``partner_id``, ``supervisor_id``,
    ``overdue``), for other reads that must list exactly the same partnerships."""
    # Reading: a supervisor covering an absence lists the covered partnerships too.
    scope = partnership_scope(actor, reading=True)
    clauses = [scope]
    for name in LIST_FILTERS:
        if query.get(name) is not None:
            clauses.append(getattr(Partnership, name) == query[name])
    if query.get("overdue") is not None:
        overdue = overdue_clause(scope, utcnow())
        clauses.append(overdue if query["overdue"] else ~overdue)
    return clauses


def is_closed(partnership: Partnership) -> bool:
    """Whether a partnership has ended: ``ended_at`` set, or its stage is a terminal stage
    of the workflow version it is pinned to."""
    from .workflow_versions import compiled_workflow

    if partnership.ended_at is not None:
        return True
    workflow = compiled_workflow(partnership.workflow_key, partnership.workflow_version)
    return workflow.is_terminal(partnership.stage)


def ensure_open(partnership: Partnership, field: str) -> None:
    """Refuse a change to a closed partnership, naming ``field`` in the 422.

    Raises:
        ValidationFailed: the partnership is closed.
    """
    if is_closed(partnership):
        raise ValidationFailed(
            f"Partnership {partnership.id} is closed; its records can no longer change.",
            fields={field: [f"Partnership {partnership.id} is closed."]},
        )


def _start_of(started_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if started_at is None:
        return now
    if started_at > now + clock_skew():
        raise ValidationFailed(
            "A partnership cannot begin in the future.",
            fields={"started_at": ["Give when it began (at or before now), or leave it out."]},
        )
    return started_at


def _managed_program(session: Session, actor: Actor, program_id: int) -> Program:
    program = session.get(Program, program_id) if program_id in actor.managed_program_ids else None
    if program is None:
        raise ValidationFailed(
            "You can only open partnerships in programs you manage.",
            fields={"program_id": [f"No program {program_id} that you manage."]},
        )
    return program


def _check_people(session: Session, program_id: int, data: dict[str, Any]) -> None:
    """Every person named in ``data`` exists in ``program_id`` and can take part; all
    failures reported together, by field."""
    problems: dict[str, list[str]] = {}
    checks = (
        ("client_id", Client, Client.erased_at.is_(None), "erased"),
        ("partner_id", Partner, Partner.active, "inactive"),
        ("supervisor_id", Supervisor, Supervisor.active, "inactive"),
    )
    for field, model, usable, unusable in checks:
        wanted = data.get(field)
        if wanted is None:
            continue
        row = session.execute(
            select(model.id, usable).where(model.id == wanted, model.program_id == program_id)
        ).first()
        if row is None:
            problems[field] = [f"No {field[:-3]} {wanted} in program {program_id}."]
        elif not row[1]:
            problems[field] = [f"{field[:-3].capitalize()} {wanted} is {unusable}."]
    if not problems:
        _partner_is_not_supervisor(session, data, problems)
    if problems:
        raise ValidationFailed("The partnership names people it cannot have.", fields=problems)


def _partner_is_not_supervisor(
    session: Session, data: dict[str, Any], problems: dict[str, list[str]]
) -> None:
    """A host user cannot be the partner and the supervisor of one partnership: they would
    supervise themselves."""
    if data.get("partner_id") is None or data.get("supervisor_id") is None:
        return
    partner_user = session.scalar(
        select(Partner.host_user_id).where(Partner.id == data["partner_id"])
    )
    supervisor_user = session.scalar(
        select(Supervisor.host_user_id).where(Supervisor.id == data["supervisor_id"])
    )
    if partner_user is not None and partner_user == supervisor_user:
        problems["supervisor_id"] = [
            f"Supervisor {data['supervisor_id']} is the same person as partner "
            f"{data['partner_id']}; a partner cannot supervise their own partnership."
        ]


def _one_open_per_client(session: Session, program_id: int, data: dict[str, Any]) -> None:
    """A client has one open partnership per program unless a manager says why another.

    The client's row is locked first, so two requests opening partnerships for one client
    at once are decided one after the other.

    Raises:
        ValidationFailed: naming ``client_id`` (and the open partnership) when no
            ``another_open_reason`` is given.
    """
    session.execute(select(Client.id).where(Client.id == data["client_id"]).with_for_update())
    open_one = session.scalar(
        select(Partnership.id)
        .where(
            Partnership.client_id == data["client_id"],
            Partnership.program_id == program_id,
            Partnership.ended_at.is_(None),
        )
        .order_by(Partnership.id)
        .limit(1)
    )
    if open_one is not None and not (data.get("another_open_reason") or "").strip():
        raise ValidationFailed(
            f"Client {data['client_id']} already has open partnership {open_one} in program "
            f"{program_id}.",
            fields={
                "client_id": [
                    f"Client {data['client_id']} already has open partnership {open_one}; "
                    "close it first, or give another_open_reason to open a second one."
                ]
            },
        )
