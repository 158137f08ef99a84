"""``?overdue=true`` on the partnership list: which partnerships are behind.

A partnership is **overdue** when either:

* in its program's last complete local week (Monday to Monday in the program's timezone)
  it held fewer meetings than the week owes, by the one rule of owed time
  (:mod:`tpm_plugin.services.owed`; corrected meetings count once, by their newest entry),
  exactly as fidelity shows that week below target; or
* its stage has a review cadence (``review_every_weeks``) and the partnership has been in
  that stage for longer than that many weeks.

Closed partnerships (``ended_at`` set) are never overdue. The clause costs a constant
number of statements whatever the number of partnerships.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from ..models import Meeting, Partnership, Program, UTCDateTime, Workflow, WorkflowVersion
from ._unit import session
from .owed import load_histories, owed_in_week


def last_complete_week(now: dt.datetime, timezone: str = "UTC") -> tuple[dt.datetime, dt.datetime]:
    """The last complete local week (Monday 00:00 to Monday 00:00 in ``timezone``) before
    ``now``, as UTC instants."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    this_monday = today - dt.timedelta(days=today.weekday())

    def utc_midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    return utc_midnight(this_monday - dt.timedelta(weeks=1)), utc_midnight(this_monday)


def overdue_clause(in_scope: ColumnElement[bool], now: dt.datetime) -> ColumnElement[bool]:
    """A WHERE clause on ``Partnership`` selecting the partnerships in scope that are
    overdue at ``now`` (see the module's rule)."""
    open_in_scope = and_(in_scope, Partnership.ended_at.is_(None))
    behind = sorted(_behind_on_meetings(open_in_scope, now))
    clauses = [Partnership.id.in_(behind)] if behind else []
    clauses += list(_review_overdue(now))
    if not clauses:
        return false()
    return and_(Partnership.ended_at.is_(None), or_(*clauses))


def _behind_on_meetings(open_in_scope: ColumnElement[bool], now: dt.datetime) -> Iterator[int]:
    """Partnerships that held fewer meetings than owed in their program's last local week."""
    zones = dict(
        session()
        .execute(
            select(Program.id, Program.timezone).where(
                Program.id.in_(select(Partnership.program_id).where(open_in_scope))
            )
        )
        .all()
    )
    if not zones:
        return
    weeks = {program_id: last_complete_week(now, zone) for program_id, zone in zones.items()}
    histories = load_histories(
        open_in_scope,
        min(start for start, _ in weeks.values()),
        max(end for _, end in weeks.values()),
    )
    held = _held_in_last_week(open_in_scope, weeks)
    programs = dict(
        session().execute(select(Partnership.id, Partnership.program_id).where(open_in_scope)).all()
    )
    for pid, history in histories.items():
        start, end = weeks[programs[pid]]
        if owed_in_week(history, start, end).meetings_missed(held.get(pid, 0)):
            yield pid


def _held_in_last_week(
    open_in_scope: ColumnElement[bool], weeks: dict[int, tuple[dt.datetime, dt.datetime]]
) -> dict[int, int]:
    program_weeks = union_all(
        *(
            select(
                literal(program_id, Integer).label("program_id"),
                literal(start, UTCDateTime()).label("starts_at"),
                literal(end, UTCDateTime()).label("ends_at"),
            )
            for program_id, (start, end) in weeks.items()
        )
    ).subquery("program_weeks")
    correction = aliased(Meeting)
    rows = session().execute(
        select(Meeting.partnership_id, func.count())
        .join(Partnership, Partnership.id == Meeting.partnership_id)
        .join(program_weeks, program_weeks.c.program_id == Partnership.program_id)
        .where(
            open_in_scope,
            Meeting.status == "held",
            Meeting.scheduled_at >= program_weeks.c.starts_at,
            Meeting.scheduled_at < program_weeks.c.ends_at,
            ~exists().where(correction.supersedes_id == Meeting.id),
        )
        .group_by(Meeting.partnership_id)
    )
    return dict(rows.all())


def _review_overdue(now: dt.datetime) -> Iterator[ColumnElement[bool]]:
    for workflow_key, version, stage in _cadenced_stages():
        weeks = (stage.get("cadence") or {}).get("review_every_weeks")
        if weeks is None:
            continue
        yield and_(
            Partnership.workflow_key == workflow_key,
            Partnership.workflow_version == version,
            Partnership.stage == stage["key"],
            Partnership.stage_entered_at < now - dt.timedelta(weeks=weeks),
        )


def _cadenced_stages() -> Iterator[tuple[str, int, dict[str, Any]]]:
    rows = session().execute(
        select(Workflow.key, WorkflowVersion.version, WorkflowVersion.definition).join(
            Workflow, Workflow.id == WorkflowVersion.workflow_id
        )
    )
    for workflow_key, version, definition in rows:
        for stage in definition.get("stages", []):
            if stage.get("cadence"):
                yield workflow_key, version, stage
