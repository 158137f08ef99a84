"""Reading what the owed rule needs from the database, for any number of partnerships in a
constant number of statements: the partnerships, their stage changes (transitions and
version migrations), the workflow definitions they were pinned to, their programs' target
periods, their crisis cadences and, for a person's scope, who held the assignment when.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, literal, or_, select, union_all

from ...models import (
    CadenceOverride,
    Partnership,
    PartnershipMigration,
    Program,
    ProgramTargets,
    TransitionAudit,
    Workflow,
    WorkflowVersion,
)
from ...workflows.cadence import OWES_NOTHING, StageRule, stage_rule
from .._unit import session
from ..history import assignment_periods
from .rule import CrisisCadence, Owed, OwedHistory, Period, TargetPeriod, owed_in_week


class WeekBounds(Protocol):
    """A program-local week as UTC instants (``fidelity.Week`` is one)."""

    @property
    def starts_at(self) -> dt.datetime: ...

    @property
    def ends_at(self) -> dt.datetime: ...


def owed_by_week(
    in_scope: ColumnElement[bool],
    weeks: Sequence[WeekBounds],
    held_by: tuple[str, int] | None = None,
) -> dict[int, list[Owed]]:
    """What every partnership in scope owes in each of ``weeks``.

    Args:
        in_scope: a condition on ``Partnership`` selecting the partnerships.
        weeks: program-local weeks in time order (all of one timezone, or each the week of
            the partnerships' own program: the rule only sees the instants).
        held_by: ``("partner", id)`` or ``("supervisor", id)``: count only the time that
            person held that role on each partnership.

    Returns:
        ``{partnership_id: [Owed per week]}`` for each partnership open in the window; five
        statements (six with ``held_by``) whatever the number of partnerships.
    """
    if not weeks:
        return {}
    histories = load_histories(in_scope, weeks[0].starts_at, weeks[-1].ends_at)
    periods = held_periods(in_scope, *held_by) if held_by else None
    return {
        pid: [
            owed_in_week(
                history, week.starts_at, week.ends_at, None if periods is None else periods[pid]
            )
            for week in weeks
        ]
        for pid, history in histories.items()
    }


def load_histories(
    in_scope: ColumnElement[bool], since: dt.datetime, until: dt.datetime
) -> dict[int, OwedHistory]:
    """The owed history of every partnership in scope that was open some time in
    ``[since, until)`` (five statements)."""
    open_in_scope = (
        in_scope,
        Partnership.started_at < until,
        or_(Partnership.ended_at.is_(None), Partnership.ended_at > since),
    )
    ids = select(Partnership.id).where(*open_in_scope)
    partnerships = (
        session()
        .execute(
            select(
                Partnership.id,
                Partnership.program_id,
                Partnership.started_at,
                Partnership.ended_at,
                Partnership.stage,
                Partnership.workflow_key,
                Partnership.workflow_version,
                Program.meetings_per_week,
                Program.supervision_minutes_per_client,
            )
            .join(Program, Program.id == Partnership.program_id)
            .where(*open_in_scope)
        )
        .all()
    )
    changes = _stage_changes(ids)
    rules = _stage_rules(select(Partnership.workflow_key).where(*open_in_scope))
    targets = _program_targets(select(Partnership.program_id).where(*open_in_scope), since, until)
    crises = _crises(ids, since, until)
    histories = {}
    for row in partnerships:
        own_changes = changes.get(row.id, [])
        first = own_changes[0] if own_changes else None
        initial = (
            (first.workflow_key, first.from_version, first.from_stage)
            if first is not None
            else (row.workflow_key, row.workflow_version, row.stage)
        )
        stages = [(row.started_at, rules.get(initial, OWES_NOTHING))]
        stages += [
            (c.occurred_at, rules.get((c.workflow_key, c.to_version, c.to_stage), OWES_NOTHING))
            for c in own_changes
        ]
        histories[row.id] = OwedHistory(
            partnership_id=row.id,
            started_at=row.started_at,
            ended_at=row.ended_at,
            stages=tuple(stages),
            default_targets=TargetPeriod(
                None, None, row.meetings_per_week, row.supervision_minutes_per_client
            ),
            targets=tuple(targets.get(row.program_id, ())),
            crises=tuple(crises.get(row.id, ())),
        )
    return histories


def held_periods(
    in_scope: ColumnElement[bool], role: str, person_id: int
) -> dict[int, list[Period]]:
    """For each partnership in scope, the periods during which ``person_id`` held ``role``
    (``partner`` or ``supervisor``) on it (one statement)."""
    periods = assignment_periods(in_scope)
    rows = session().execute(
        select(periods.c.partnership_id, periods.c.valid_from, periods.c.valid_until).where(
            periods.c[f"{role}_id"] == person_id
        )
    )
    held: dict[int, list[Period]] = defaultdict(list)
    for pid, since, until in rows:
        held[pid].append(Period(since, until))
    return held


def _stage_changes(ids: Select) -> dict[int, list[Any]]:
    transitions = select(
        TransitionAudit.partnership_id,
        TransitionAudit.occurred_at,
        literal(0).label("kind"),
        TransitionAudit.id,
        TransitionAudit.workflow_key,
        TransitionAudit.from_stage,
        TransitionAudit.workflow_version.label("from_version"),
        TransitionAudit.to_stage,
        TransitionAudit.workflow_version.label("to_version"),
    ).where(TransitionAudit.partnership_id.in_(ids))
    migrations = select(
        PartnershipMigration.partnership_id,
        PartnershipMigration.occurred_at,
        literal(1).label("kind"),
        PartnershipMigration.id,
        PartnershipMigration.workflow_key,
        PartnershipMigration.from_stage,
        PartnershipMigration.from_version,
        PartnershipMigration.to_stage,
        PartnershipMigration.to_version,
    ).where(PartnershipMigration.partnership_id.in_(ids))
    both = union_all(transitions, migrations).subquery("stage_changes")
    rows = session().execute(
        select(both).order_by(both.c.partnership_id, both.c.occurred_at, both.c.kind, both.c.id)
    )
    changes: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        changes[row.partnership_id].append(row)
    return changes


def _stage_rules(workflow_keys: Select) -> dict[tuple[str, int, str], StageRule]:
    """The owing rule of every stage of every version of the workflows in use; the shipped
    workflow counts as published (version 1) before anything looked it up."""
    from ...workflows.definition import default_definition
    from ..workflow_versions.catalog import SHIPPED_WORKFLOW

    rows = session().execute(
        select(Workflow.key, WorkflowVersion.version, WorkflowVersion.definition)
        .join(WorkflowVersion, WorkflowVersion.workflow_id == Workflow.id)
        .where(Workflow.key.in_(workflow_keys))
    )
    definitions: dict[tuple[str, int], Mapping[str, Any]] = {
        (key, version): definition or {} for key, version, definition in rows
    }
    definitions.setdefault((SHIPPED_WORKFLOW, 1), default_definition())
    return {
        (key, version, stage["key"]): stage_rule(stage)
        for (key, version), definition in definitions.items()
        for stage in definition.get("stages", [])
    }


def _program_targets(
    program_ids: Select, since: dt.datetime, until: dt.datetime
) -> dict[int, list[TargetPeriod]]:
    rows = session().execute(
        select(ProgramTargets).where(
            ProgramTargets.program_id.in_(program_ids),
            ProgramTargets.valid_from < until,
            or_(ProgramTargets.valid_until.is_(None), ProgramTargets.valid_until > since),
        )
    )
    targets: dict[int, list[TargetPeriod]] = defaultdict(list)
    for (period,) in rows:
        targets[period.program_id].append(
            TargetPeriod(
                period.valid_from,
                period.valid_until,
                period.meetings_per_week,
                period.supervision_minutes_per_client,
            )
        )
    return targets


def _crises(ids: Select, since: dt.datetime, until: dt.datetime) -> dict[int, list[CrisisCadence]]:
    rows = session().execute(
        select(CadenceOverride).where(
            CadenceOverride.partnership_id.in_(ids),
            CadenceOverride.starts_at < until,
            CadenceOverride.ends_at > since,
        )
    )
    crises: dict[int, list[CrisisCadence]] = defaultdict(list)
    for (override,) in rows:
        crises[override.partnership_id].append(
            CrisisCadence(
                override.starts_at,
                override.in_force_until,
                override.meetings_per_week,
                override.supervision_minutes_per_client,
            )
        )
    return crises
