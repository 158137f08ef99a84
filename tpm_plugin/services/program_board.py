"""What a program manager's pages read in one go: the board of a program's partnerships by
stage, the people of a program, and the header of one partnership's page.

The board lists exactly the partnerships ``GET /partnerships`` would (the same scope and
filters, :func:`~.partnerships.list_filters`), one page of them with the count of every
stage, the names of the people on the page and the moves a manager may offer on each card.
Its cost is a constant handful of statements, whatever the size of the program: the
program with its workflow's newest version, its partners and supervisors (one statement),
the counts by stage, the page (with its total and its clients' names), and the audit row
naming every partnership listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NoReturn

from sqlalchemy import RowMapping, Select, bindparam, func, literal, select, union_all

from ..access import PROGRAM_MANAGER, Actor
from ..errors import NotFound
from ..models import (
    Client,
    Partner,
    Partnership,
    Program,
    Supervisor,
    Workflow,
    WorkflowVersion,
)
from ._reading import Page, detach, order_by, paginate
from ._unit import session, unit_of_work
from .access import (
    ALLOWED,
    partnership_for,
    record_access,
    record_denied,
    record_reads,
    require_actor,
)
from .partnerships import PARTNERSHIP_SORTS, list_filters
from .workflow_versions import compiled_workflow, starting_point

ACTION = "board"
#: The column of a board's page that holds the client's display name.
_CLIENT_NAME = "tpm_client_name"


@dataclass(frozen=True)
class Move:
    """A transition a program manager may offer from a stage (guards are checked when it
    is fired, so the board costs no statement per card)."""

    trigger: str
    label: str
    dest: str
    reason_required: bool


@dataclass(frozen=True)
class ProgramPeople:
    """A program and the display names of its partners and supervisors, by id."""

    program: Program
    partners: dict[int, str]
    supervisors: dict[int, str]


@dataclass(frozen=True)
class Board:
    """A program's partnerships by stage.

    Attributes:
        people: the program, its partners and its supervisors.
        stages: ``(key, label)`` of the program's newest workflow version in its order,
            then any other stage a partnership of the program is in.
        counts: partnerships per stage, under every filter but ``stage``.
        page: the page of partnerships (rows as ``GET /partnerships`` lists them).
        clients: display names of the clients on the page, by id.
        moves: per partnership id on the page, the moves a manager may offer.
    """

    people: ProgramPeople
    stages: list[tuple[str, str]]
    counts: dict[str, int]
    page: Page[RowMapping]
    clients: dict[int, str]
    moves: dict[int, list[Move]] = field(default_factory=dict)

    def by_stage(self) -> dict[str, list[RowMapping]]:
        """The page's partnerships grouped by stage, in the page's order."""
        grouped: dict[str, list[RowMapping]] = {}
        for row in self.page.items:
            grouped.setdefault(row["stage"], []).append(row)
        return grouped

    @property
    def total(self) -> int:
        """Partnerships of the program under the filters, every stage counted."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class Overview:
    """The header of a partnership's page: the partnership, its program and people."""

    partnership: Partnership
    program: Program
    client_name: str | None
    partner_name: str | None
    supervisor_name: str | None
    moves: list[Move]


def board(actor: Actor | None, program_id: int, query: dict[str, Any]) -> Board:
    """The board of a program the actor manages.

    Args:
        query: optional ``stage``, ``partner_id``, ``supervisor_id``, ``overdue`` (below
            target, see :mod:`.overdue`) and ``on_hold`` (only partnerships in a hold
            stage); ``page``, ``page_size`` and ``sort`` as ``GET /partnerships`` takes them.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such program, or the actor does not manage it (audited as denied).
    """
    actor = require_actor(actor)
    filters = {**query, "program_id": program_id}
    with unit_of_work() as unit:
        program, newest = _program_with_newest_version(actor, program_id)
        people = _people_in(program)
        # None: the workflow is not published yet (a fresh database publishes the shipped
        # one here, as any other first reader would).
        workflow = compiled_workflow(program.workflow_key, newest or _newest(program))
        clauses = list_filters(actor, {**filters, "stage": None})
        if query.get("on_hold"):
            clauses.append(Partnership.held_from_stage.is_not(None))
        counts = dict(
            unit.session.execute(
                select(Partnership.stage, func.count()).where(*clauses).group_by(Partnership.stage)
            ).all()
        )
        if query.get("stage") is not None:
            clauses.append(Partnership.stage == query["stage"])
        # The client's name comes with its row: no statement of its own.
        named = select(*Partnership.__table__.columns, Client.display_name.label(_CLIENT_NAME))
        statement = order_by(
            named.outerjoin(Client, Client.id == Partnership.client_id).where(*clauses),
            query.get("sort", "id"),
            {key: getattr(Partnership, key) for key in PARTNERSHIP_SORTS},
            Partnership.id,
        )
        rows, total = paginate(
            unit.session, statement, query["page"], query["page_size"], plain_rows=True
        )
        clients = {row["client_id"]: row[_CLIENT_NAME] for row in rows if row[_CLIENT_NAME]}
        record_reads(
            actor,
            "partnership",
            [row["id"] for row in rows],
            "list",
            program_id=program_id,
            role=PROGRAM_MANAGER,
        )
    stages = [(key, stage.get("label", key)) for key, stage in workflow.stages.items()]
    stages += [(key, key) for key in sorted(counts) if key not in workflow.stages]
    return Board(
        people=people,
        stages=stages,
        counts=counts,
        page=Page(rows, query["page"], query["page_size"], total),
        clients=clients,
        moves=_moves_of_each(rows),
    )


def _moves_of_each(rows: list[RowMapping]) -> dict[int, list[Move]]:
    """:func:`manager_moves` of each row, worked out once per (workflow version, stage): a
    page of a hundred partnerships spans a few stages."""
    by_stage: dict[tuple[str, int, str], list[Move]] = {}
    moves = {}
    for row in rows:
        key = (row["workflow_key"], row["workflow_version"], row["stage"])
        if key not in by_stage:
            by_stage[key] = manager_moves(row)
        moves[row["id"]] = by_stage[key]
    return moves


def program_people(actor: Actor | None, program_id: int) -> ProgramPeople:
    """A program the actor manages, with its partners and supervisors (names are not care
    data: reading them is not audited, as ``GET /partners`` does not audit them).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such program, or the actor does not manage it (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work():
        return _people_of(actor, program_id)


def partnership_overview(actor: Actor | None, partnership_id: int) -> Overview:
    """A partnership the actor may see, with its program and the names of its people
    (the read is audited like ``GET /partnerships/<id>``).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership, or outside the actor's scope (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work():
        partnership = partnership_for(actor, partnership_id, "read", reading=True)
        return read_overview(actor, partnership)


def read_overview(actor: Actor, partnership: Partnership) -> Overview:
    """The overview of ``partnership``, which the caller's unit of work has reached
    (:func:`~.access.partnership_for`): its program and the names of its people, in one
    statement, the unit's audit row becoming its read (as ``GET /partnerships/<id>``).
    The partnership and its program come back detached."""
    current = session()
    program, *names = current.execute(
        _overview_statement(),
        {
            "program_id": partnership.program_id,
            "client_id": partnership.client_id,
            "partner_id": partnership.partner_id,
            "supervisor_id": partnership.supervisor_id,
        },
    ).one()
    record_access(actor, "partnership", partnership.id, "read", ALLOWED)
    detach(current, [partnership, program])
    moves = manager_moves(partnership) if program.id in actor.managed_program_ids else []
    return Overview(partnership, program, *names, moves)


@cache
def _overview_statement() -> Select:
    """The program and the names of a partnership's people, in one statement: built once,
    run with the ids as parameters (a partnership's page reads it every time)."""
    return select(
        Program,
        *(
            select(model.display_name).where(model.id == bindparam(key)).scalar_subquery()
            for model, key in (
                (Client, "client_id"),
                (Partner, "partner_id"),
                (Supervisor, "supervisor_id"),
            )
        ),
    ).where(Program.id == bindparam("program_id"))


def manager_moves(partnership: Any) -> list[Move]:
    """The transitions a program manager's role may take from the partnership's stage, in
    the workflow version it is pinned to (its guards are not asked here)."""
    get = partnership.get if isinstance(partnership, Mapping) else partnership.__getattribute__
    workflow = compiled_workflow(get("workflow_key"), get("workflow_version"))
    return [
        Move(spec.trigger, spec.label, spec.dest, spec.reason_required)
        for spec in workflow.outgoing.get(get("stage"), ())
        if PROGRAM_MANAGER in spec.roles
    ]


def _people_of(actor: Actor, program_id: int) -> ProgramPeople:
    program = session().get(Program, program_id)
    if program is None or program_id not in actor.managed_program_ids:
        _not_found(actor, program_id)
    return _people_in(program)


def _program_with_newest_version(actor: Actor, program_id: int) -> tuple[Program, int | None]:
    """A program the actor manages and the number of its workflow's newest published
    version (``None`` when there is none yet), in one statement."""
    found = session().execute(_program_statement(), {"program_id": program_id}).first()
    if found is None or program_id not in actor.managed_program_ids:
        _not_found(actor, program_id)
    return found[0], found[1]


@cache
def _program_statement() -> Select:
    """A program and its workflow's newest published version: built once, run with the
    program's id as parameter."""
    newest = (
        select(func.max(WorkflowVersion.version))
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Workflow.key == Program.workflow_key)
        .scalar_subquery()
    )
    return select(Program, newest).where(Program.id == bindparam("program_id"))


@cache
def _people_statement() -> Select:
    """A program's partners and supervisors in one statement, each by name: built once,
    run with the program's id as parameter."""
    both = union_all(
        *(
            select(literal(model.__name__).label("model"), model.id, model.display_name).where(
                model.program_id == bindparam("program_id")
            )
            for model in (Partner, Supervisor)
        )
    ).subquery()
    return select(both).order_by(both.c.model, both.c.display_name, both.c.id)


def _people_in(program: Program) -> ProgramPeople:
    """``program`` (detached) with its partners' and supervisors' names."""
    rows = session().execute(_people_statement(), {"program_id": program.id})
    people: dict[str, dict[int, str]] = {Partner.__name__: {}, Supervisor.__name__: {}}
    for model, person_id, name in rows:
        people[model][person_id] = name
    session().expunge(program)
    return ProgramPeople(program, people[Partner.__name__], people[Supervisor.__name__])


def _newest(program: Program) -> int:
    return starting_point(program.workflow_key)[0]


def _not_found(actor: Actor, program_id: int) -> NoReturn:
    record_denied(actor, "program", program_id, ACTION)
    raise NotFound(f"No program {program_id} that you manage.")
