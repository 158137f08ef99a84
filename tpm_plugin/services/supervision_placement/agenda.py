"""What each block is for: the agenda a supervisor sees, in ids and numbers.

For each block: the partnerships it covers (the partner's open partnerships with the
supervisor whose work it is), and for each the meetings held last week against the
target, the misses flagged since the last block, whether a review is due by the block's
week end, the stage changes since the last block, and the crisis cadences in force. No
notes, and no names here: the week view adds them only where its viewer may see them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ...models import (
    CadenceOverride,
    Meeting,
    MissedWeek,
    Partnership,
    Review,
    TransitionAudit,
)
from ..owed import owed_by_week
from ..rhythm.cadence import review_every_weeks
from ..rhythm.due import all_stage_rhythms, review_due_at


@dataclass
class PartnershipAgenda:
    """One partnership on a block's agenda."""

    partnership_id: int
    stage: str
    meetings_held_last_week: int = 0
    meetings_target_last_week: float = 0.0
    missed_weeks: list[dt.date] = field(default_factory=list)
    review_due_at: dt.datetime | None = None
    stage_changes: list[dict[str, Any]] = field(default_factory=list)
    crisis_cadences: list[int] = field(default_factory=list)
    #: Shown only to a viewer who may read the partnership (see the week view).
    client_first_name: str | None = None
    partner_name: str | None = None


def agendas(
    db: Any,
    pairs: list[tuple[int, int]],
    last_week: Any,
    since: dt.datetime,
    week_ends_at: dt.datetime,
) -> dict[tuple[int, int], list[PartnershipAgenda]]:
    """The agenda of each ``(partner_id, supervisor_id)`` block.

    Args:
        pairs: the blocks' partners and the supervisors whose work they are.
        last_week: the program-local week before the block's (``starts_at``/``ends_at``).
        since: the start of the window for misses and stage changes (the last block).
        week_ends_at: a review due before this is listed.
    """
    if not pairs:
        return {}
    partners = sorted({partner for partner, _ in pairs})
    rows = db.execute(
        select(
            Partnership.id,
            Partnership.partner_id,
            Partnership.supervisor_id,
            Partnership.stage,
            Partnership.workflow_key,
            Partnership.workflow_version,
            Partnership.stage_entered_at,
        )
        .where(Partnership.partner_id.in_(partners), Partnership.ended_at.is_(None))
        .order_by(Partnership.id)
    ).all()
    wanted = set(pairs)
    rows = [row for row in rows if (row.partner_id, row.supervisor_id) in wanted]
    ids = [row.id for row in rows]
    if not ids:
        return {pair: [] for pair in pairs}
    items = {row.id: PartnershipAgenda(row.id, row.stage) for row in rows}
    _last_week(db, ids, items, last_week)
    for pid, week in db.execute(
        select(MissedWeek.partnership_id, MissedWeek.week_starts_on)
        .where(MissedWeek.partnership_id.in_(ids), MissedWeek.flagged_at >= since)
        .order_by(MissedWeek.week_starts_on)
    ):
        items[pid].missed_weeks.append(week)
    for pid, from_stage, to_stage, at in db.execute(
        select(
            TransitionAudit.partnership_id,
            TransitionAudit.from_stage,
            TransitionAudit.to_stage,
            TransitionAudit.occurred_at,
        )
        .where(TransitionAudit.partnership_id.in_(ids), TransitionAudit.occurred_at >= since)
        .order_by(TransitionAudit.occurred_at, TransitionAudit.id)
    ):
        items[pid].stage_changes.append({"from": from_stage, "to": to_stage, "at": at})
    for pid, override_id in db.execute(
        select(CadenceOverride.partnership_id, CadenceOverride.id).where(
            CadenceOverride.partnership_id.in_(ids),
            CadenceOverride.starts_at < week_ends_at,
            CadenceOverride.ends_at > since,
            CadenceOverride.ended_early_at.is_(None),
        )
    ):
        items[pid].crisis_cadences.append(override_id)
    _reviews(db, rows, items, week_ends_at)
    result: dict[tuple[int, int], list[PartnershipAgenda]] = defaultdict(list)
    for row in rows:
        result[(row.partner_id, row.supervisor_id)].append(items[row.id])
    return {pair: result.get(pair, []) for pair in pairs}


def _last_week(db: Any, ids: list[int], items: dict[int, PartnershipAgenda], week: Any) -> None:
    owed = owed_by_week(Partnership.id.in_(ids), [week])
    newer = aliased(Meeting)
    held = db.execute(
        select(Meeting.partnership_id, func.count())
        .outerjoin(newer, newer.supersedes_id == Meeting.id)
        .where(
            Meeting.partnership_id.in_(ids),
            Meeting.scheduled_at >= week.starts_at,
            Meeting.scheduled_at < week.ends_at,
            Meeting.status == "held",
            newer.id.is_(None),
        )
        .group_by(Meeting.partnership_id)
    ).all()
    for pid, count in held:
        items[pid].meetings_held_last_week = count
    for pid, weeks in owed.items():
        if pid in items:
            items[pid].meetings_target_last_week = round(float(weeks[0].meetings), 2)


def _reviews(
    db: Any, rows: list[Any], items: dict[int, PartnershipAgenda], before: dt.datetime
) -> None:
    rhythms = all_stage_rhythms()
    last = dict(
        db.execute(
            select(Review.partnership_id, func.max(Review.held_at))
            .where(Review.partnership_id.in_([row.id for row in rows]))
            .group_by(Review.partnership_id)
        ).all()
    )
    for row in rows:
        every = review_every_weeks(rhythms, row.workflow_key, row.workflow_version, row.stage)
        if not every:
            continue
        due = review_due_at(row.stage_entered_at, last.get(row.id), every)
        if due < before:
            items[row.id].review_due_at = due
