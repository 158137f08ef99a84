"""Supervision sessions: a supervisor meets a partner weekly, 20 minutes per client by
default, and discusses that partner's partnerships.

A supervisor schedules, logs and reads their own sessions; a program manager, every session
of a supervisor in their programs. Partners do not see supervision sessions (the notes are
the supervisor's); for them the sessions answer 404, and the list 403.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, delete, false, func, insert, or_, select
from sqlalchemy.orm import Session

from ..access import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    Partner,
    Partnership,
    Program,
    SupervisionSession,
    Supervisor,
    supervision_discussed,
)
from ._reading import Page, count_rows, detach, order_by
from ._session_reach import OBJECT_TYPE, list_role, touch_session
from ._unit import ConcurrentChange, session, unit_of_work
from .access import (
    ALLOWED,
    forbid,
    record_access,
    record_denied,
    record_reads,
    require_actor,
    require_some_role,
)
from .cover import covered_sessions
from .supervision_placement.requests import request_replacement

SORTS = ("id", "scheduled_at")
MAX_SCHEDULED_MINUTES = 480


def session_scope(actor: Actor, *, reading: bool = False) -> ColumnElement[bool]:
    """A WHERE clause selecting the supervision sessions ``actor`` may see (``reading``:
    also, for a supervisor covering an absence, the sessions of the partnerships they
    cover: those that discussed one, and the absent supervisor's with its partner)."""
    clauses: list[ColumnElement[bool]] = []
    if reading and actor.supervisor_ids:
        clauses.append(covered_sessions(actor.supervisor_ids))
    if actor.supervisor_ids:
        clauses.append(SupervisionSession.supervisor_id.in_(sorted(actor.supervisor_ids)))
    if actor.managed_program_ids:
        clauses.append(
            SupervisionSession.supervisor_id.in_(
                select(Supervisor.id).where(
                    Supervisor.program_id.in_(sorted(actor.managed_program_ids))
                )
            )
        )
    return or_(*clauses) if clauses else false()


def add_session(actor: Actor | None, data: dict[str, Any]) -> SupervisionSession:
    """Schedule a supervision session (or log one that happened).

    Args:
        data: ``partner_id``, ``scheduled_at``, optional ``supervisor_id`` (default: the
            actor's own), ``scheduled_minutes`` (default: the program's minutes per client
            times the partner's open partnerships with this supervisor), ``status``,
            ``held_minutes``, ``notes``, ``partnership_ids`` (discussed; the partner's own).

    Raises:
        Forbidden: the actor is neither a supervisor nor a program manager (audited).
        ValidationFailed: the supervisor, partner or a discussed partnership does not fit
            (named by field).
    """
    actor = _require_supervision_role(actor, "create")
    with unit_of_work() as unit:
        supervisor = _supervisor_for(unit.session, actor, data.get("supervisor_id"))
        partner = _partner_for(unit.session, actor, supervisor, data["partner_id"])
        discussed = _check_discussed(
            unit.session, supervisor.id, partner.id, data.get("partnership_ids", [])
        )
        minutes = data.get("scheduled_minutes")
        if minutes is None:
            minutes = _minutes_owed(unit.session, supervisor, partner.id)
        row = SupervisionSession(
            supervisor_id=supervisor.id,
            partner_id=partner.id,
            scheduled_at=data["scheduled_at"],
            scheduled_minutes=minutes,
            status=data.get("status", "scheduled"),
            held_minutes=data.get("held_minutes"),
            notes=data.get("notes"),
        )
        unit.session.add(row)
        unit.session.flush()
        _link_discussed(unit.session, row, discussed, data.get("partnership_minutes"))
        touch_session(unit.session, actor, row, "create")
        detach(unit.session, [row])
    return row


def log_session_outcome(
    actor: Actor | None, session_id: int, data: dict[str, Any]
) -> SupervisionSession:
    """Log a scheduled session as held (minutes, notes, partnerships discussed) or cancelled.

    The outcome's ``partnership_ids`` (none when left out) replace the partnerships the
    session was scheduled to discuss: the outcome says what was actually discussed.

    Raises:
        NotFound: the session is outside the actor's scope (audited).
        ValidationFailed: a discussed partnership is not one of the partner's that the
            session's supervisor supervises.
        Conflict: the session is already logged, or another request logged it at the same
            moment (the row's version moved; on SQLite, which has no row locks).
    """
    actor = require_actor(actor)
    try:
        with unit_of_work() as unit:
            row = _in_scope(unit.session, actor, session_id, "log_outcome", lock=True)
            if row.status != "scheduled":
                raise _already_logged(row.id, row.status)
            discussed = _check_discussed(
                unit.session, row.supervisor_id, row.partner_id, data.get("partnership_ids", [])
            )
            row.status = data["status"]
            row.held_minutes = data.get("held_minutes")
            row.notes = data.get("notes")
            unit.session.flush()
            unit.session.execute(
                delete(supervision_discussed).where(supervision_discussed.c.session_id == row.id)
            )
            _link_discussed(unit.session, row, discussed, data.get("partnership_minutes"))
            if row.status == "cancelled" and row.placed_week is not None:
                # A cancelled block frees its time and its partner is placed again.
                request_replacement(
                    unit.session.scalar(
                        select(Supervisor.program_id).where(Supervisor.id == row.supervisor_id)
                    )
                )
            record_access(actor, OBJECT_TYPE, row.id, "log_outcome", ALLOWED)
            detach(unit.session, [row])
    except ConcurrentChange:
        status = session().scalar(
            select(SupervisionSession.status).where(SupervisionSession.id == session_id)
        )
        raise _already_logged(session_id, status) from None
    return row


def _already_logged(session_id: int, status: str | None) -> Conflict:
    return Conflict(
        f"Supervision session {session_id} is already logged ({status}).",
        extra={"status_now": status},
    )


def get_session(actor: Actor | None, session_id: int) -> SupervisionSession:
    """One supervision session with the partnerships discussed (the read is audited).

    Raises:
        NotFound: outside the actor's scope (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        row = _in_scope(unit.session, actor, session_id, "read", reading=True)
        _load_discussed(unit.session, [row])
        record_access(actor, OBJECT_TYPE, row.id, "read", ALLOWED)
        detach(unit.session, [row])
    return row


def list_sessions(actor: Actor | None, query: dict[str, Any]) -> Page[SupervisionSession]:
    """One page of the supervision sessions the actor may see, optionally by
    ``supervisor_id``, ``partner_id``, ``status`` and ``partnership_id`` (sessions that
    discussed that partnership); each returned session's read is audited. Four statements
    whatever the page size.

    Raises:
        Forbidden: the actor is neither a supervisor nor a program manager (audited).
    """
    actor = _require_supervision_role(actor, "list")
    with unit_of_work() as unit:
        statement = select(SupervisionSession).where(session_scope(actor, reading=True))
        for name in ("supervisor_id", "partner_id", "status"):
            if query.get(name) is not None:
                statement = statement.where(getattr(SupervisionSession, name) == query[name])
        if query.get("partnership_id") is not None:
            statement = statement.where(
                SupervisionSession.id.in_(
                    select(supervision_discussed.c.session_id).where(
                        supervision_discussed.c.partnership_id == query["partnership_id"]
                    )
                )
            )
        columns = {key: getattr(SupervisionSession, key) for key in SORTS}
        statement = order_by(statement, query["sort"], columns, SupervisionSession.id)
        page, page_size = query["page"], query["page_size"]
        rows = list(unit.session.scalars(statement.limit(page_size).offset((page - 1) * page_size)))
        total = count_rows(unit.session, statement)
        _load_discussed(unit.session, rows)
        record_reads(
            actor,
            OBJECT_TYPE,
            [row.id for row in rows],
            "list",
            role=list_role(unit.session, actor, rows),
        )
        detach(unit.session, rows)
    return Page(rows, page, page_size, total)


def _require_supervision_role(actor: Actor | None, action: str) -> Actor:
    actor = require_some_role(actor, OBJECT_TYPE, action)
    if not actor.supervisor_ids and not actor.managed_program_ids:
        forbid(
            actor,
            OBJECT_TYPE,
            None,
            action,
            "Supervision sessions are for supervisors and program managers.",
        )
    return actor


def _in_scope(
    session: Session,
    actor: Actor,
    session_id: int,
    action: str,
    *,
    lock: bool = False,
    reading: bool = False,
) -> SupervisionSession:
    query = select(SupervisionSession).where(
        SupervisionSession.id == session_id, session_scope(actor, reading=reading)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(query).first()
    if row is None:
        record_denied(actor, OBJECT_TYPE, session_id, action)
        raise NotFound(f"No supervision session {session_id} that you can reach.")
    touch_session(session, actor, row, action)
    return row


def _supervisor_for(session: Session, actor: Actor, supervisor_id: int | None) -> Supervisor:
    if supervisor_id is None and len(actor.supervisor_ids) == 1:
        [supervisor_id] = actor.supervisor_ids
    if supervisor_id is None:
        raise ValidationFailed(
            "Name the supervisor of the session.",
            fields={
                "supervisor_id": [
                    "Required when you are not a supervisor yourself, or supervise in "
                    "several programs."
                ]
            },
        )
    supervisor = session.get(Supervisor, supervisor_id)
    mine = supervisor_id in actor.supervisor_ids
    if supervisor is None or not (mine or supervisor.program_id in actor.managed_program_ids):
        raise ValidationFailed(
            "You can only record sessions of your own or of supervisors in programs you manage.",
            fields={"supervisor_id": [f"No supervisor {supervisor_id} that you manage."]},
        )
    if not supervisor.active:
        raise ValidationFailed(
            "The supervisor is inactive.",
            fields={"supervisor_id": [f"Supervisor {supervisor_id} is inactive."]},
        )
    return supervisor


def _partner_for(
    session: Session, actor: Actor, supervisor: Supervisor, partner_id: int
) -> Partner:
    if supervisor.program_id not in actor.managed_program_ids:
        # A supervisor learns nothing about partners they do not supervise: same 404 as
        # for a partner that does not exist, and the attempt is audited.
        supervised = session.scalar(
            select(Partnership.id)
            .where(
                Partnership.partner_id == partner_id,
                Partnership.supervisor_id == supervisor.id,
            )
            .limit(1)
        )
        if supervised is None:
            record_denied(actor, "partner", partner_id, "create_session")
            raise NotFound(f"No partner {partner_id} that you supervise.")
    partner = session.get(Partner, partner_id)
    if partner is None or partner.program_id != supervisor.program_id or not partner.active:
        raise ValidationFailed(
            "The partner must be an active partner of the supervisor's program.",
            fields={"partner_id": [f"No active partner {partner_id} in the supervisor's program."]},
        )
    return partner


def _check_discussed(
    session: Session, supervisor_id: int, partner_id: int, partnership_ids: list[int]
) -> list[int]:
    """The distinct partnerships named, each one of the partner's that the supervisor
    supervises; anything else is refused without saying whether it exists."""
    wanted = sorted(set(partnership_ids))
    if not wanted:
        return []
    theirs = set(
        session.scalars(
            select(Partnership.id).where(
                Partnership.id.in_(wanted),
                Partnership.partner_id == partner_id,
                Partnership.supervisor_id == supervisor_id,
            )
        )
    )
    foreign = [str(pid) for pid in wanted if pid not in theirs]
    if foreign:
        raise ValidationFailed(
            "A session discusses only partnerships of its partner that its supervisor supervises.",
            fields={
                "partnership_ids": [
                    f"Not partnerships of partner {partner_id} under supervisor "
                    f"{supervisor_id}: {', '.join(foreign)}."
                ]
            },
        )
    return wanted


def _minutes_owed(session: Session, supervisor: Supervisor, partner_id: int) -> int:
    per_client = session.scalar(
        select(Program.supervision_minutes_per_client).where(Program.id == supervisor.program_id)
    )
    open_partnerships = session.scalar(
        select(func.count(Partnership.id)).where(
            Partnership.partner_id == partner_id,
            Partnership.supervisor_id == supervisor.id,
            Partnership.ended_at.is_(None),
        )
    )
    return min(MAX_SCHEDULED_MINUTES, int(per_client or 0) * max(1, int(open_partnerships or 0)))


def _link_discussed(
    session: Session,
    row: SupervisionSession,
    partnership_ids: list[int],
    split: list[dict[str, int]] | None = None,
) -> None:
    minutes = {item["partnership_id"]: item["minutes"] for item in split or []}
    if partnership_ids:
        session.execute(
            insert(supervision_discussed),
            [
                {"session_id": row.id, "partnership_id": pid, "minutes": minutes.get(pid)}
                for pid in partnership_ids
            ],
        )
    row.partnership_ids = sorted(partnership_ids)
    row.partnership_minutes = [
        {"partnership_id": pid, "minutes": minutes[pid]} for pid in sorted(minutes)
    ]


def _load_discussed(session: Session, rows: list[SupervisionSession]) -> None:
    discussed: dict[int, list[int]] = defaultdict(list)
    split: dict[int, list[dict[str, int]]] = defaultdict(list)
    if rows:
        links = session.execute(
            select(
                supervision_discussed.c.session_id,
                supervision_discussed.c.partnership_id,
                supervision_discussed.c.minutes,
            )
            .where(supervision_discussed.c.session_id.in_([row.id for row in rows]))
            .order_by(supervision_discussed.c.partnership_id)
        )
        for session_id, partnership_id, minutes in links:
            discussed[session_id].append(partnership_id)
            if minutes is not None:
                split[session_id].append({"partnership_id": partnership_id, "minutes": minutes})
    for row in rows:
        row.partnership_ids = discussed.get(row.id, [])
        row.partnership_minutes = split.get(row.id, [])
