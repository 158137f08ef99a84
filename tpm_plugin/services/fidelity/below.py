"""The partnerships that ended one week below their meetings target.

What a week owes comes from the one rule of owed time (:mod:`tpm_plugin.services.owed`), as
the fidelity figures' ``partnerships_below_target`` does, so a missed week here is exactly a
week fidelity shows below target; a corrected meeting counts once, as its newest version.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select

from ...models import Partnership
from .._unit import session
from ..owed import owed_by_week
from .figures import meetings_statement
from .weeks import Week


@dataclass(frozen=True)
class BelowTarget:
    """One partnership's week below target: meetings owed and held."""

    partnership_id: int
    supervisor_id: int | None
    meetings_target: float
    meetings_held: int


def partnerships_below_target(week: Week, in_scope: ColumnElement[bool]) -> list[BelowTarget]:
    """Every partnership ``in_scope`` that held fewer meetings in ``week`` than it owed
    (the owed rule's statements, the meetings held as fidelity counts them, and the
    supervisors)."""
    owed = owed_by_week(in_scope, [week])
    if not owed:
        return []
    held = {
        pid: held_count
        for _, pid, held_count, *_ in session().execute(meetings_statement([week], in_scope, None))
    }
    supervisors = session().execute(
        select(Partnership.id, Partnership.supervisor_id)
        .where(in_scope, Partnership.id.in_(sorted(owed)))
        .order_by(Partnership.id)
    )
    below = []
    for partnership_id, supervisor_id in supervisors:
        owed_now = owed[partnership_id][0]
        held_count = int(held.get(partnership_id, 0))
        if owed_now.meetings_missed(held_count):
            meetings = float(owed_now.meetings)
            below.append(BelowTarget(partnership_id, supervisor_id, meetings, held_count))
    return below
