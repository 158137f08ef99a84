"""What each week shows, one SQL statement per figure whatever the number of partnerships.

* **meetings**: the target, meetings held, cancelled by the client, the partner or the
  center, and no-shows. A corrected meeting counts once, as its newest version.
* **supervision**: minutes delivered (``held_minutes`` of held sessions) against minutes
  owed for every partnership open that week. For a single partnership a session counts
  with its minutes shared equally among the partnerships it discussed.

Each statement aggregates grouped by week over the table of :mod:`.weeks`, joined to the
targets of :mod:`.targets`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Float, Select, and_, case, cast, func, select
from sqlalchemy.orm import aliased

from ...models import Meeting, Partner, Partnership, SupervisionSession, supervision_discussed
from .._unit import session
from .targets import StageCadence, partnership_weeks, pinned_cadences
from .weeks import Week, weeks_table


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


def week_figures(
    weeks: list[Week], scope: str, scope_id: int, in_scope: ColumnElement[bool]
) -> list[WeekFigures]:
    """The figures of every week of ``weeks`` for the partnerships ``in_scope``.

    Three statements: the stage cadences, the meetings, the supervision.

    Args:
        weeks: the window, from :func:`~.weeks.week_window`.
        scope: ``partnership``, ``partner``, ``supervisor`` or ``program``.
        scope_id: the id of that partnership, partner, supervisor or program.
        in_scope: the condition on ``Partnership`` selecting the scope's partnerships.
    """
    cadences = pinned_cadences(in_scope)
    meetings = session().execute(_meetings_statement(weeks, in_scope, cadences)).all()
    supervision = (
        session().execute(_supervision_statement(weeks, scope, scope_id, in_scope, cadences)).all()
    )
    return [
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


def _meetings_statement(
    weeks_list: list[Week], in_scope: ColumnElement[bool], cadences: list[StageCadence]
) -> Select:
    weeks = weeks_table(weeks_list)
    targets = partnership_weeks(weeks, in_scope, cadences)
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
    cadences: list[StageCadence],
) -> Select:
    weeks = weeks_table(weeks_list)
    targets = partnership_weeks(weeks, in_scope, cadences)
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
