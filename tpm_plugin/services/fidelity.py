"""Fidelity to the model, week by week: meetings held against the target, and supervision
minutes delivered against the minutes owed.

For one partnership, a partner, a supervisor or a whole program, and for each week (Monday
to Sunday in the program's IANA timezone):

* **meetings**: the target (``program.meetings_per_week``, unless the stage the partnership
  was in at the end of the week sets ``cadence.meetings_per_week`` in its published
  workflow version; terminal stages owe nothing), meetings held, cancelled by the client,
  the partner or the center, and no-shows. A corrected meeting counts once, as its newest
  version.
* **supervision**: minutes delivered (``held_minutes`` of held sessions) against minutes owed
  (``program.supervision_minutes_per_client``, or the stage's cadence, for every partnership
  open that week). For a single partnership a session counts with its minutes shared
  equally among the partnerships it discussed.

A partnership is open in a week when it started before the week ended, had not ended
before it began, and its stage at the week's end is not terminal.

Each figure is computed by ONE SQL statement with aggregates grouped by week, whatever the
number of partnerships: the weeks are a small table of UTC instants built here (so daylight
saving changes are right and SQLite and PostgreSQL bucket identically, by comparing
timestamps rather than by dialect-specific date functions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from ..access import Actor
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import (
    Meeting,
    Partner,
    Partnership,
    Program,
    SupervisionSession,
    Supervisor,
    TransitionAudit,
    UTCDateTime,
    Workflow,
    WorkflowVersion,
    supervision_discussed,
)
from ._unit import session, unit_of_work
from .access import ALLOWED, partnership_scope, record_access, record_denied, require_actor

MAX_WEEKS = 52
DEFAULT_WEEKS = 12
ACTION = "read_fidelity"


@dataclass(frozen=True)
class Week:
    """One week of the window: its Monday (local date) and its UTC bounds [starts, ends)."""

    index: int
    monday: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class WeekFigures:
    """What one week shows: meeting counts against the target, supervision against owed."""

    monday: dt.date
    meetings_target: int
    meetings_held: int
    cancelled_by_client: int
    cancelled_by_partner: int
    cancelled_by_center: int
    no_shows: int
    partnerships_below_target: int
    supervision_minutes_owed: float
    supervision_minutes_delivered: float

    @property
    def meetings_below_target(self) -> bool:
        """Fewer meetings held than the target."""
        return self.meetings_held < self.meetings_target

    @property
    def supervision_below_target(self) -> bool:
        """Fewer supervision minutes delivered than owed."""
        return self.supervision_minutes_delivered < self.supervision_minutes_owed


@dataclass(frozen=True)
class Fidelity:
    """Fidelity of one scope (``partnership``, ``partner``, ``supervisor``, ``program``)."""

    scope: str
    scope_id: int
    timezone: str
    weeks: list[WeekFigures]

    @property
    def meeting_weeks_below_target(self) -> int:
        """How many weeks held fewer meetings than the target."""
        return sum(week.meetings_below_target for week in self.weeks)

    @property
    def supervision_weeks_below_target(self) -> int:
        """How many weeks delivered fewer supervision minutes than owed."""
        return sum(week.supervision_below_target for week in self.weeks)


def week_window(
    timezone: str,
    *,
    weeks: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> list[Week]:
    """The weeks to report, Monday-based in ``timezone``.

    Either the last ``weeks`` weeks up to and including the current one (default 12), or
    every week touching the local dates ``start`` … ``end``.

    Raises:
        ValidationFailed: both forms given, ``weeks`` outside 1…52, ``start`` after ``end``,
            or a span of more than 52 weeks.
    """
    zone = _zone(timezone)
    if weeks is not None and (start is not None or end is not None):
        raise ValidationFailed(
            "Ask for either 'weeks' or a 'from'/'to' range, not both.",
            fields={"weeks": ["Cannot be combined with 'from' or 'to'."]},
        )
    today = today or dt.datetime.now(zone).date()
    if start is None and end is None:
        count = DEFAULT_WEEKS if weeks is None else weeks
        if not 1 <= count <= MAX_WEEKS:
            raise ValidationFailed(
                f"'weeks' must be between 1 and {MAX_WEEKS}.",
                fields={"weeks": [f"Must be between 1 and {MAX_WEEKS}."]},
            )
        last = _monday(today)
        first = last - dt.timedelta(weeks=count - 1)
    else:
        first = _monday(start or end or today)
        last = _monday(end or today)
        if last < first:
            raise ValidationFailed(
                "'from' must not be after 'to'.", fields={"from": ["Must not be after 'to'."]}
            )
        count = (last - first).days // 7 + 1
        if count > MAX_WEEKS:
            raise ValidationFailed(
                f"The range spans {count} weeks; ask for at most {MAX_WEEKS}.",
                fields={"to": [f"The range must span at most {MAX_WEEKS} weeks."]},
            )
    return [_week(index, first + dt.timedelta(weeks=index), zone) for index in range(count)]


def partnership_fidelity(actor: Actor | None, partnership_id: int, **window: Any) -> Fidelity:
    """Fidelity of one partnership, for its program manager, supervisor or partner.

    Args:
        actor: who asks.
        partnership_id: the partnership.
        window: ``weeks`` or ``start``/``end``, as for :func:`week_window`.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's scope (audited as denied).
        ValidationFailed: a bad window.
    """
    actor = require_actor(actor)
    with unit_of_work():
        visible = partnership_scope(actor)
        program = (
            session()
            .scalars(
                select(Program)
                .join(Partnership, Partnership.program_id == Program.id)
                .where(Partnership.id == partnership_id, visible)
            )
            .first()
        )
        if program is None:
            _not_found(actor, "partnership", partnership_id)
        return _measure(
            actor, "partnership", partnership_id, program.timezone, Partnership.id, window
        )


def partner_fidelity(actor: Actor | None, partner_id: int, **window: Any) -> Fidelity:
    """Fidelity of every partnership of one partner, for the partner themselves, the
    program manager of their program, or a supervisor who supervises them.

    Raises:
        Unauthenticated, NotFound (out of scope, audited), ValidationFailed: as for
            :func:`partnership_fidelity`.
    """
    actor = require_actor(actor)
    with unit_of_work():
        row = (
            session()
            .execute(
                select(Partner.program_id, Program.timezone)
                .join(Program, Program.id == Partner.program_id)
                .where(Partner.id == partner_id)
            )
            .first()
        )
        supervises = actor.supervisor_id is not None and session().scalar(
            select(
                exists().where(
                    Partnership.partner_id == partner_id,
                    Partnership.supervisor_id == actor.supervisor_id,
                )
            )
        )
        if row is None or not (
            row.program_id in actor.managed_program_ids
            or actor.partner_id == partner_id
            or supervises
        ):
            _not_found(actor, "partner", partner_id)
        return _measure(actor, "partner", partner_id, row.timezone, Partnership.partner_id, window)


def supervisor_fidelity(actor: Actor | None, supervisor_id: int, **window: Any) -> Fidelity:
    """Fidelity of every partnership one supervisor supervises, for that supervisor or the
    program manager of their program.

    Raises:
        Unauthenticated, NotFound (out of scope, audited), ValidationFailed: as for
            :func:`partnership_fidelity`.
    """
    actor = require_actor(actor)
    with unit_of_work():
        row = (
            session()
            .execute(
                select(Supervisor.program_id, Program.timezone)
                .join(Program, Program.id == Supervisor.program_id)
                .where(Supervisor.id == supervisor_id)
            )
            .first()
        )
        if row is None or not (
            row.program_id in actor.managed_program_ids or actor.supervisor_id == supervisor_id
        ):
            _not_found(actor, "supervisor", supervisor_id)
        return _measure(
            actor, "supervisor", supervisor_id, row.timezone, Partnership.supervisor_id, window
        )


def program_fidelity(actor: Actor | None, program_id: int, **window: Any) -> Fidelity:
    """Fidelity of a whole program, for its program managers.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor supervises or partners in the program but does not manage it.
        NotFound: no such program, or the actor has no part in it (both audited as denied).
        ValidationFailed: a bad window.
    """
    actor = require_actor(actor)
    with unit_of_work():
        timezone = session().scalar(select(Program.timezone).where(Program.id == program_id))
        if timezone is None or program_id not in actor.managed_program_ids:
            if timezone is not None and _takes_part(actor, program_id):
                record_denied(actor, "program", program_id, ACTION)
                raise Forbidden("Only the program's managers see the fidelity of a program.")
            _not_found(actor, "program", program_id)
        return _measure(actor, "program", program_id, timezone, Partnership.program_id, window)


def _measure(
    actor: Actor,
    scope: str,
    scope_id: int,
    timezone: str,
    scope_column: Any,
    window: dict[str, Any],
) -> Fidelity:
    weeks = week_window(timezone, **window)
    in_scope = scope_column == scope_id
    cadences = _cadences(in_scope)
    meetings = session().execute(_meetings_statement(weeks, in_scope, cadences)).all()
    supervision = (
        session().execute(_supervision_statement(weeks, scope, scope_id, in_scope, cadences)).all()
    )
    record_access(actor, scope, scope_id, ACTION, ALLOWED)
    figures = [
        WeekFigures(
            monday=week.monday,
            meetings_target=int(m.target),
            meetings_held=int(m.held),
            cancelled_by_client=int(m.by_client),
            cancelled_by_partner=int(m.by_partner),
            cancelled_by_center=int(m.by_center),
            no_shows=int(m.no_shows),
            partnerships_below_target=int(m.below),
            supervision_minutes_owed=float(s.owed),
            supervision_minutes_delivered=round(float(s.delivered), 1),
        )
        for week, m, s in zip(weeks, meetings, supervision, strict=True)
    ]
    return Fidelity(scope=scope, scope_id=scope_id, timezone=timezone, weeks=figures)


# --- the week table -----------------------------------------------------------------------


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"The program's timezone {timezone!r} is not an IANA timezone name.",
            fields={"timezone": ["Not an IANA timezone name."]},
        ) from None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week(index: int, monday: dt.date, zone: ZoneInfo) -> Week:
    def utc_midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    return Week(index, monday, utc_midnight(monday), utc_midnight(monday + dt.timedelta(7)))


def _weeks_table(weeks: list[Week]):
    rows = [
        select(
            literal(week.index, Integer).label("week"),
            literal(week.starts_at, UTCDateTime()).label("starts_at"),
            literal(week.ends_at, UTCDateTime()).label("ends_at"),
        )
        for week in weeks
    ]
    return (union_all(*rows) if len(rows) > 1 else rows[0]).cte("weeks")


# --- targets: program defaults, stage cadences, terminal stages ---------------------------


@dataclass(frozen=True)
class _StageCadence:
    workflow_key: str
    version: int
    stage: str
    terminal: bool
    meetings_per_week: int | None
    supervision_minutes_per_client: int | None


def _cadences(in_scope: ColumnElement[bool]) -> list[_StageCadence]:
    """The stage cadences of every workflow version a partnership in scope is pinned to
    (one statement, whatever the number of partnerships)."""
    pinned = exists().where(
        in_scope,
        Partnership.workflow_key == Workflow.key,
        Partnership.workflow_version == WorkflowVersion.version,
    )
    rows = session().execute(
        select(Workflow.key, WorkflowVersion.version, WorkflowVersion.definition)
        .join(WorkflowVersion, WorkflowVersion.workflow_id == Workflow.id)
        .where(pinned)
    )
    return [
        cadence
        for key, version, definition in rows
        for cadence in _stage_cadences(key, version, definition)
    ]


def _stage_cadences(key: str, version: int, definition: Any) -> Iterable[_StageCadence]:
    for stage in (definition or {}).get("stages", []):
        cadence = stage.get("cadence") or {}
        terminal = stage.get("kind") == "terminal"
        meetings = cadence.get("meetings_per_week")
        minutes = cadence.get("supervision_minutes_per_client")
        if terminal or meetings is not None or minutes is not None:
            yield _StageCadence(key, version, stage["key"], terminal, meetings, minutes)


def _stage_at_week_end(weeks) -> ColumnElement[str]:
    """The stage a partnership was in when the week ended, from its transition audit."""
    last_before = (
        select(TransitionAudit.to_stage)
        .where(
            TransitionAudit.partnership_id == Partnership.id,
            TransitionAudit.occurred_at < weeks.c.ends_at,
        )
        .order_by(TransitionAudit.occurred_at.desc(), TransitionAudit.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    first_after = (
        select(TransitionAudit.from_stage)
        .where(
            TransitionAudit.partnership_id == Partnership.id,
            TransitionAudit.occurred_at >= weeks.c.ends_at,
        )
        .order_by(TransitionAudit.occurred_at, TransitionAudit.id)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(last_before, first_after, Partnership.stage)


def _owed(row, cadences: list[_StageCadence], attribute: str, default: Any) -> Any:
    """CASE: 0 in a terminal stage, the stage's cadence where it sets one, else the
    program's figure."""
    whens = []
    for cadence in cadences:
        value = 0 if cadence.terminal else getattr(cadence, attribute)
        if value is None:
            continue
        matches = and_(
            row.c.workflow_key == cadence.workflow_key,
            row.c.workflow_version == cadence.version,
            row.c.stage == cadence.stage,
        )
        whens.append((matches, value))
    return case(*whens, else_=default) if whens else default


def _partnership_weeks(weeks, in_scope: ColumnElement[bool], cadences: list[_StageCadence]):
    """(week, partnership, meetings target, supervision minutes owed) for every week a
    partnership in scope was open."""
    needs_stage = bool(cadences)
    inner = (
        select(
            weeks.c.week,
            Partnership.id.label("partnership_id"),
            Partnership.workflow_key,
            Partnership.workflow_version,
            (_stage_at_week_end(weeks) if needs_stage else null()).label("stage"),
            Program.meetings_per_week,
            Program.supervision_minutes_per_client,
        )
        .select_from(weeks)
        .join(Partnership, Partnership.started_at < weeks.c.ends_at)
        .join(Program, Program.id == Partnership.program_id)
        .where(
            in_scope,
            or_(Partnership.ended_at.is_(None), Partnership.ended_at > weeks.c.starts_at),
        )
        .subquery("open_weeks")
    )
    return select(
        inner.c.week,
        inner.c.partnership_id,
        _owed(inner, cadences, "meetings_per_week", inner.c.meetings_per_week).label("target"),
        _owed(
            inner,
            cadences,
            "supervision_minutes_per_client",
            inner.c.supervision_minutes_per_client,
        ).label("owed"),
    ).cte("partnership_weeks")


# --- the two figures ----------------------------------------------------------------------


def _meetings_statement(
    weeks_list: list[Week], in_scope: ColumnElement[bool], cadences: list[_StageCadence]
) -> Select:
    weeks = _weeks_table(weeks_list)
    targets = _partnership_weeks(weeks, in_scope, cadences)
    newer = aliased(Meeting)

    def counting(condition: ColumnElement[bool]):
        return func.sum(case((condition, 1), else_=0))

    per_partnership = (
        select(
            weeks.c.week,
            Meeting.partnership_id,
            counting(Meeting.status == "held").label("held"),
            counting(and_(Meeting.status == "cancelled", Meeting.cancelled_by == "client")).label(
                "by_client"
            ),
            counting(and_(Meeting.status == "cancelled", Meeting.cancelled_by == "partner")).label(
                "by_partner"
            ),
            counting(and_(Meeting.status == "cancelled", Meeting.cancelled_by == "center")).label(
                "by_center"
            ),
            counting(Meeting.status == "no_show").label("no_shows"),
        )
        .select_from(weeks)
        .join(
            Meeting,
            and_(Meeting.scheduled_at >= weeks.c.starts_at, Meeting.scheduled_at < weeks.c.ends_at),
        )
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .outerjoin(newer, newer.supersedes_id == Meeting.id)
        .where(in_scope, newer.id.is_(None))
        .group_by(weeks.c.week, Meeting.partnership_id)
        .cte("meeting_counts")
    )
    held = func.coalesce(per_partnership.c.held, 0)
    target_weeks = (
        select(
            targets.c.week,
            func.sum(targets.c.target).label("target"),
            func.sum(case((held < targets.c.target, 1), else_=0)).label("below"),
        )
        .select_from(targets)
        .outerjoin(
            per_partnership,
            and_(
                per_partnership.c.week == targets.c.week,
                per_partnership.c.partnership_id == targets.c.partnership_id,
            ),
        )
        .group_by(targets.c.week)
        .subquery("target_weeks")
    )
    count_weeks = (
        select(
            per_partnership.c.week,
            *(
                func.sum(per_partnership.c[name]).label(name)
                for name in ("held", "by_client", "by_partner", "by_center", "no_shows")
            ),
        )
        .group_by(per_partnership.c.week)
        .subquery("count_weeks")
    )
    return (
        select(
            weeks.c.week,
            func.coalesce(target_weeks.c.target, 0).label("target"),
            func.coalesce(target_weeks.c.below, 0).label("below"),
            *(
                func.coalesce(count_weeks.c[name], 0).label(name)
                for name in ("held", "by_client", "by_partner", "by_center", "no_shows")
            ),
        )
        .select_from(weeks)
        .outerjoin(target_weeks, target_weeks.c.week == weeks.c.week)
        .outerjoin(count_weeks, count_weeks.c.week == weeks.c.week)
        .order_by(weeks.c.week)
    )


def _supervision_statement(
    weeks_list: list[Week],
    scope: str,
    scope_id: int,
    in_scope: ColumnElement[bool],
    cadences: list[_StageCadence],
) -> Select:
    weeks = _weeks_table(weeks_list)
    targets = _partnership_weeks(weeks, in_scope, cadences)
    owed_weeks = (
        select(targets.c.week, func.sum(targets.c.owed).label("owed"))
        .group_by(targets.c.week)
        .subquery("owed_weeks")
    )
    session_in_week = and_(
        SupervisionSession.scheduled_at >= weeks.c.starts_at,
        SupervisionSession.scheduled_at < weeks.c.ends_at,
        SupervisionSession.status == "held",
    )
    if scope == "partnership":
        discussed = supervision_discussed.c
        sharing = supervision_discussed.alias("sharing")
        shared_by = (
            select(func.count())
            .select_from(sharing)
            .where(sharing.c.session_id == SupervisionSession.id)
            .scalar_subquery()
        )
        minutes = cast(SupervisionSession.held_minutes, Float) / shared_by
        delivered = (
            select(weeks.c.week, func.sum(minutes).label("delivered"))
            .select_from(weeks)
            .join(SupervisionSession, session_in_week)
            .join(supervision_discussed, discussed.session_id == SupervisionSession.id)
            .where(discussed.partnership_id == scope_id)
        )
    else:
        session_scope = {
            "partner": SupervisionSession.partner_id == scope_id,
            "supervisor": SupervisionSession.supervisor_id == scope_id,
            "program": SupervisionSession.partner_id.in_(
                select(Partner.id).where(Partner.program_id == scope_id)
            ),
        }[scope]
        delivered = (
            select(weeks.c.week, func.sum(SupervisionSession.held_minutes).label("delivered"))
            .select_from(weeks)
            .join(SupervisionSession, session_in_week)
            .where(session_scope)
        )
    delivered_weeks = delivered.group_by(weeks.c.week).subquery("delivered_weeks")
    return (
        select(
            weeks.c.week,
            func.coalesce(owed_weeks.c.owed, 0).label("owed"),
            func.coalesce(delivered_weeks.c.delivered, 0).label("delivered"),
        )
        .select_from(weeks)
        .outerjoin(owed_weeks, owed_weeks.c.week == weeks.c.week)
        .outerjoin(delivered_weeks, delivered_weeks.c.week == weeks.c.week)
        .order_by(weeks.c.week)
    )


# --- access ---------------------------------------------------------------------------------


def _takes_part(actor: Actor, program_id: int) -> bool:
    """Whether the actor supervises or partners in the program (so may know it exists)."""
    checks = []
    if actor.supervisor_id is not None:
        checks.append(
            exists().where(
                Supervisor.id == actor.supervisor_id, Supervisor.program_id == program_id
            )
        )
    if actor.partner_id is not None:
        checks.append(
            exists().where(Partner.id == actor.partner_id, Partner.program_id == program_id)
        )
    return bool(checks) and bool(session().scalar(select(or_(*checks))))


def _not_found(actor: Actor, object_type: str, object_id: int) -> NoReturn:
    record_denied(actor, object_type, object_id, ACTION)
    raise NotFound(f"No {object_type} {object_id} that you can reach.")
