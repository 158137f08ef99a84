"""What each partnership owes each week: meetings and supervision minutes.

The target is the program's figure (``program.meetings_per_week``,
``program.supervision_minutes_per_client``) unless the stage the partnership was in at the
end of the week sets ``cadence`` in its published workflow version; terminal stages owe
nothing. A partnership is open in a week when it started before the week ended, had not
ended before it began, and its stage at the week's end is not terminal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CTE, ColumnElement, and_, case, exists, func, null, or_, select

from ...models import Partnership, Program, TransitionAudit, Workflow, WorkflowVersion
from .._unit import session


@dataclass(frozen=True)
class StageCadence:
    """A stage of a published workflow version that changes what a partnership owes."""

    workflow_key: str
    version: int
    stage: str
    terminal: bool
    meetings_per_week: int | None
    supervision_minutes_per_client: int | None


def pinned_cadences(in_scope: ColumnElement[bool]) -> list[StageCadence]:
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


def partnership_weeks(
    weeks: CTE, in_scope: ColumnElement[bool], cadences: list[StageCadence]
) -> CTE:
    """(week, partnership, meetings target, supervision minutes owed) for every week a
    partnership in scope was open, as a CTE named ``partnership_weeks`` with columns
    ``week``, ``partnership_id``, ``target`` and ``owed``."""
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


def _stage_cadences(key: str, version: int, definition: Any) -> Iterable[StageCadence]:
    for stage in (definition or {}).get("stages", []):
        cadence = stage.get("cadence") or {}
        terminal = stage.get("kind") == "terminal"
        meetings = cadence.get("meetings_per_week")
        minutes = cadence.get("supervision_minutes_per_client")
        if terminal or meetings is not None or minutes is not None:
            yield StageCadence(key, version, stage["key"], terminal, meetings, minutes)


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


def _owed(row, cadences: list[StageCadence], attribute: str, default: Any) -> Any:
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
