"""A supervisor's week as they see it: their blocks with agendas, and the work that found
no place, with its reason. For the supervisor and the managers of their program.

Agendas are ids and numbers, with names only where the viewer may see them: the client's
first name and the partner's name on each partnership the viewer may read (the one rule of
:func:`~tpm_plugin.services.access.partnership_scope` for reads: their own supervisees', their
programs', and a cover's granted ones while the grant runs), and none on the others.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ...access import Actor
from ...models import Client, Partner, Partnership, SupervisionSession, UnplacedSupervision
from .._unit import current_unit, unit_of_work
from ..access import partnership_scope, record_reads, require_actor, role_reaching
from ..audit_rows import AuditRows
from ..fidelity import week_window
from ..scheduling.reach import supervisor_in_reach
from .agenda import PartnershipAgenda, agendas
from .requests import local_monday

READ_ACTION = "read_week"


@dataclass
class BlockView:
    """One block of the week: its sessions (one, or two when split) and its agenda."""

    partner_id: int
    supervisor_id: int
    covering_for: int | None
    session_ids: list[int]
    parts: list[dict[str, Any]]
    split: bool
    minutes: int
    agenda: list[PartnershipAgenda] = field(default_factory=list)
    partner_name: str | None = None


@dataclass
class SupervisorWeek:
    """A supervisor's program-local week of supervision."""

    supervisor_id: int
    timezone: str
    week_starts_on: dt.date
    blocks: list[BlockView]
    unplaced: list[UnplacedSupervision]


def get_supervisor_week(
    actor: Actor | None, supervisor_id: int, day: dt.date | None
) -> SupervisorWeek:
    """The week containing the local date ``day`` (default today): blocks, agendas and
    unplaced work. Every session and partnership read is audited.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the supervisor is outside the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        return read_supervisor_week(unit.session, actor, supervisor_id, day)


def read_supervisor_week(
    db: Any, actor: Actor, supervisor_id: int, day: dt.date | None
) -> SupervisorWeek:
    """:func:`get_supervisor_week` inside the caller's unit of work (whose audit is then
    the week's two read rows, sessions and partnerships, as :class:`AuditRows`), for a
    page that reads the week with other things in one transaction.

    Raises:
        NotFound: the supervisor is outside the actor's reach (audited).
    """
    program_id, timezone = supervisor_in_reach(db, actor, supervisor_id, READ_ACTION)
    monday = (
        day - dt.timedelta(days=day.weekday())
        if day is not None
        else local_monday(timezone, dt.datetime.now(dt.UTC))
    )
    last, this = week_window(timezone, start=monday - dt.timedelta(days=7), end=monday)
    sessions = list(
        db.scalars(
            select(SupervisionSession)
            .where(
                SupervisionSession.supervisor_id == supervisor_id,
                SupervisionSession.scheduled_at >= this.starts_at,
                SupervisionSession.scheduled_at < this.ends_at,
            )
            .order_by(SupervisionSession.scheduled_at, SupervisionSession.id)
        )
    )
    blocks = _blocks(db, supervisor_id, sessions)
    pairs = [(b.partner_id, b.covering_for or supervisor_id) for b in blocks]
    found = agendas(db, pairs, last, last.starts_at, this.ends_at)
    for block, pair in zip(blocks, pairs, strict=True):
        block.agenda = found.get(pair, [])
    _show_names(db, actor, blocks)
    unplaced = list(
        db.scalars(
            select(UnplacedSupervision)
            .where(
                UnplacedSupervision.supervisor_id == supervisor_id,
                UnplacedSupervision.week_starts_on == monday,
            )
            .order_by(UnplacedSupervision.partner_id)
        )
    )
    # Recorded in the role that reached them (see REACH_PRECEDENCE), not the actor's most
    # senior one: the supervisor's sessions are theirs, of their program; each agenda
    # partnership is the partner's with this supervisor or, when covering, the absent one.
    # All are of the supervisor's program, so the rows are in its trail.
    own = {"program_id": program_id, "supervisor_id": supervisor_id}
    reached = [
        {**own, "supervisor_id": b.covering_for or supervisor_id, "partner_id": b.partner_id}
        for b in blocks
        if b.agenda
    ]
    _record_week_reads(
        actor,
        program_id,
        [
            ("supervision_session", [s.id for s in sessions], [own]),
            (
                "partnership",
                sorted({item.partnership_id for b in blocks for item in b.agenda}),
                reached,
            ),
        ],
    )
    db.expunge_all()
    return SupervisorWeek(supervisor_id, timezone, monday, blocks, unplaced)


def _record_week_reads(
    actor: Actor, program_id: int, reads: list[tuple[str, list[int], list[dict[str, Any]]]]
) -> None:
    """Leave one read row per kind of record the week read (its sessions, its agendas'
    partnerships), each naming every id, as the unit's audit: a unit keeps one row, and
    each kind of care record read needs its own. Written together in one statement with
    the commit (:class:`~tpm_plugin.services.audit_rows.AuditRows`)."""
    unit = current_unit()
    rows = AuditRows()
    for object_type, ids, reached in reads:
        record_reads(
            actor,
            object_type,
            ids,
            READ_ACTION,
            program_id=program_id,
            role=role_reaching(actor, reached, actor.primary_role),
        )
        if unit is not None:
            rows.keep(unit.audit)
    if unit is not None:
        unit.audit = rows


def _show_names(db: Any, actor: Actor, blocks: list[BlockView]) -> None:
    ids = sorted({item.partnership_id for block in blocks for item in block.agenda})
    if not ids:
        return
    names = {
        partnership_id: (_first_word(client_name), partner_name)
        for partnership_id, client_name, partner_name in db.execute(
            select(Partnership.id, Client.display_name, Partner.display_name)
            .join(Client, Client.id == Partnership.client_id)
            .join(Partner, Partner.id == Partnership.partner_id)
            .where(Partnership.id.in_(ids), partnership_scope(actor, reading=True))
        )
    }
    for block in blocks:
        for item in block.agenda:
            if item.partnership_id in names:
                item.client_first_name, item.partner_name = names[item.partnership_id]
                block.partner_name = item.partner_name


def _first_word(name: str | None) -> str | None:
    # The first name only: the agenda is seen in a room, and a surname says more.
    return name.split()[0] if name and name.split() else None


def _blocks(db: Any, supervisor_id: int, sessions: list[SupervisionSession]) -> list[BlockView]:
    grouped: dict[int, list[SupervisionSession]] = defaultdict(list)
    for row in sessions:
        grouped[row.partner_id].append(row)
    own = set(
        db.scalars(
            select(Partnership.partner_id).where(
                Partnership.supervisor_id == supervisor_id,
                Partnership.partner_id.in_(sorted(grouped)),
                Partnership.ended_at.is_(None),
            )
        )
    )
    theirs = dict(
        db.execute(
            select(Partnership.partner_id, Partnership.supervisor_id)
            .where(
                Partnership.partner_id.in_(sorted(set(grouped) - own)),
                Partnership.ended_at.is_(None),
            )
            .order_by(Partnership.id.desc())
        ).all()
    )
    return [
        BlockView(
            partner_id=partner_id,
            supervisor_id=supervisor_id,
            covering_for=None if partner_id in own else theirs.get(partner_id),
            session_ids=[row.id for row in rows],
            parts=[
                {
                    "session_id": row.id,
                    "starts_at": row.scheduled_at,
                    "minutes": row.scheduled_minutes,
                    "status": row.status,
                }
                for row in rows
            ],
            split=len(rows) > 1 and all(row.block_part for row in rows),
            minutes=sum(row.scheduled_minutes for row in rows),
        )
        for partner_id, rows in grouped.items()
    ]
