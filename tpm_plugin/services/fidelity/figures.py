"""What each week shows, in a constant number of statements whatever the number of
partnerships.

* **meetings**: what the week owes (from :mod:`tpm_plugin.services.owed`, the one rule of
  owed time), meetings held, cancelled by the client, the partner or the center, and
  no-shows. A corrected meeting counts once, as its newest version.
* **supervision**: minutes delivered (``held_minutes`` of held sessions) against minutes
  owed. For a single partnership a session counts with its minutes shared equally among
  the partnerships it discussed.

A partner's or supervisor's figures credit them only for the time they held the assignment:
what was owed and held before a reassignment stays with whoever held it then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from ...models import Meeting, Partner, Partnership, SupervisionSession, supervision_discussed
from .._unit import session
from ..history import assignment_periods
from ..owed import NOTHING_OWED, Owed, owed_by_week
from .weeks import Week, weeks_table

#: Decimal places shown: meetings owed and the owing share, then supervision minutes.
MEETING_PLACES, MINUTE_PLACES = 2, 1

_COUNTS = ("held", "by_client", "by_partner", "by_center", "no_shows")
_NO_COUNTS = (0,) * len(_COUNTS)


@dataclass(frozen=True)
class WeekFigures:
    """What one week shows: meeting counts against what the week owes, supervision minutes
    delivered against minutes owed.

    ``owed`` keeps the exact figures (add those, and round once); ``meetings_target``,
    ``supervision_minutes_owed`` and ``owing_share`` are them rounded for showing.
    """

    monday: dt.date
    owed: Owed
    meetings_held: int
    cancelled_by_client: int
    cancelled_by_partner: int
    cancelled_by_center: int
    no_shows: int
    partnerships_below_target: int
    supervision_minutes_delivered: float

    @property
    def meetings_target(self) -> float:
        """Meetings the week owes, rounded to two places."""
        return shown(self.owed.meetings, MEETING_PLACES)

    @property
    def supervision_minutes_owed(self) -> float:
        """Supervision minutes the week owes, rounded to one place."""
        return shown(self.owed.supervision_minutes, MINUTE_PLACES)

    @property
    def owing_share(self) -> float:
        """The share of the week spent in stages that owe (summed over the partnerships of a
        scope), rounded to two places."""
        return shown(self.owed.share, MEETING_PLACES)

    @property
    def meetings_below_target(self) -> bool:
        """Fewer meetings held than owed."""
        return self.owed.meetings_missed(self.meetings_held)

    @property
    def supervision_below_target(self) -> bool:
        """Fewer supervision minutes delivered than owed."""
        return self.supervision_minutes_delivered < self.owed.supervision_minutes


@dataclass(frozen=True)
class MeetingsAgainstTarget:
    """One partnership's meetings held in one week against what the week owes: the meeting
    part of the :class:`WeekFigures` its own fidelity shows, read for many partnerships at
    once by :func:`meetings_by_partnership`."""

    monday: dt.date
    owed: Owed
    meetings_held: int

    @property
    def meetings_target(self) -> float:
        """Meetings the week owes, rounded to two places."""
        return shown(self.owed.meetings, MEETING_PLACES)

    @property
    def meetings_below_target(self) -> bool:
        """Fewer meetings held than owed."""
        return self.owed.meetings_missed(self.meetings_held)


def shown(value: Fraction, places: int) -> float:
    """An exact figure rounded for showing (the only rounding a figure gets)."""
    return float(round(value, places))


def week_figures(
    weeks: list[Week], scope: str, scope_id: int, in_scope: ColumnElement[bool]
) -> list[WeekFigures]:
    """The figures of every week of ``weeks`` for the partnerships ``in_scope``.

    Args:
        weeks: the window, from :func:`~.weeks.week_window`.
        scope: ``partnership``, ``partner``, ``supervisor`` or ``program``.
        scope_id: the id of that partnership, partner, supervisor or program.
        in_scope: the condition on ``Partnership`` selecting the scope's partnerships (for a
            partner or supervisor: every partnership they held, now or before).
    """
    held_by = (scope, scope_id) if scope in ("partner", "supervisor") else None
    owed = owed_by_week(in_scope, weeks, held_by)
    counts: dict[tuple[int, int], tuple[int, ...]] = {
        (week, pid): tuple(map(int, figures))
        for week, pid, *figures in session().execute(meetings_statement(weeks, in_scope, held_by))
    }
    delivered = session().execute(_supervision_statement(weeks, scope, scope_id)).all()
    week_totals: dict[int, tuple[int, ...]] = {}
    for (index, _), row in counts.items():
        before = week_totals.get(index, _NO_COUNTS)
        week_totals[index] = tuple(a + b for a, b in zip(before, row, strict=True))
    figures = []
    for week, supervision in zip(weeks, delivered, strict=True):
        week_owed = NOTHING_OWED
        below = 0
        for pid, by_week in owed.items():
            owed_now = by_week[week.index]
            week_owed += owed_now
            below += owed_now.meetings_missed(counts.get((week.index, pid), _NO_COUNTS)[0])
        totals = week_totals.get(week.index, _NO_COUNTS)
        figures.append(
            WeekFigures(
                monday=week.monday,
                owed=week_owed,
                meetings_held=totals[0],
                cancelled_by_client=totals[1],
                cancelled_by_partner=totals[2],
                cancelled_by_center=totals[3],
                no_shows=totals[4],
                partnerships_below_target=below,
                supervision_minutes_delivered=round(float(supervision.delivered), MINUTE_PLACES),
            )
        )
    return figures


def meetings_by_partnership(
    weeks: list[Week], partnership_ids: Collection[int]
) -> dict[int, list[MeetingsAgainstTarget]]:
    """Each of ``partnership_ids``' meetings held against its target, week by week, equal to
    what its own fidelity (scope ``partnership``) shows, in the statements of one scope
    whatever the number of partnerships (the owed rule's, and one for the meetings).

    The caller decides which partnerships the actor may see: no scope is checked here.
    """
    in_scope = Partnership.id.in_(sorted(partnership_ids))
    owed = owed_by_week(in_scope, weeks)
    held = {
        (week, pid): int(count)
        for week, pid, count, *_ in session().execute(meetings_statement(weeks, in_scope, None))
    }
    return {
        pid: [
            MeetingsAgainstTarget(
                week.monday,
                owed[pid][week.index] if pid in owed else NOTHING_OWED,
                held.get((week.index, pid), 0),
            )
            for week in weeks
        ]
        for pid in partnership_ids
    }


def meetings_statement(
    weeks_list: list[Week], in_scope: ColumnElement[bool], held_by: tuple[str, int] | None
) -> Select:
    """Meeting counts per (week, partnership) — held, cancelled by client, partner and
    center, no-shows — counting a corrected meeting once, as its newest version: for a
    partner or supervisor, only the meetings of the time they held the assignment."""
    weeks = weeks_table(weeks_list)
    newer = aliased(Meeting)

    def counting(condition: ColumnElement[bool]):
        return func.sum(case((condition, 1), else_=0))

    def cancelled_by(who: str) -> ColumnElement[bool]:
        return and_(Meeting.status == "cancelled", Meeting.cancelled_by == who)

    statement = (
        select(
            weeks.c.week,
            Meeting.partnership_id,
            counting(Meeting.status == "held").label("held"),
            counting(cancelled_by("client")).label("by_client"),
            counting(cancelled_by("partner")).label("by_partner"),
            counting(cancelled_by("center")).label("by_center"),
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
    )
    if held_by is None:
        return statement
    role, person_id = held_by
    periods = assignment_periods(in_scope)
    return statement.join(
        periods,
        and_(
            periods.c.partnership_id == Meeting.partnership_id,
            periods.c[f"{role}_id"] == person_id,
            or_(periods.c.valid_from.is_(None), periods.c.valid_from <= Meeting.scheduled_at),
            or_(periods.c.valid_until.is_(None), Meeting.scheduled_at < periods.c.valid_until),
        ),
    )


def _supervision_statement(weeks_list: list[Week], scope: str, scope_id: int) -> Select:
    """Supervision minutes delivered per week (every week of the window, in order)."""
    weeks = weeks_table(weeks_list)
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
        select(weeks.c.week, func.coalesce(delivered_weeks.c.delivered, 0).label("delivered"))
        .select_from(weeks)
        .outerjoin(delivered_weeks, delivered_weeks.c.week == weeks.c.week)
        .order_by(weeks.c.week)
    )
