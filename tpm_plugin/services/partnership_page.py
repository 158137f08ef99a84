"""Everything a partnership's page shows, read in one transaction: its overview (program,
people, moves), one page of its timeline, its newest plan versions and its change across
reviews.

Each part is read as the API call that reads it alone would read it (the same statements,
the same scope), and each read is audited as that call audits it: four access-audit rows,
written together with the one commit. One partnership check, one transaction and one
audit statement instead of four of each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..access import Actor
from ..models import Plan
from ._reading import Page
from ._unit import unit_of_work
from .access import partnership_for, require_actor
from .audit_rows import AuditRows
from .change import PartnershipChange, read_change
from .plans import read_plans
from .program_board import Overview, read_overview
from .timeline import read_timeline


@dataclass(frozen=True)
class PartnershipPage:
    """What a partnership's page shows.

    Attributes:
        overview: the partnership, its program, its people's names and the moves offered.
        timeline: one page of its timeline, as ``GET /partnerships/<id>/timeline``.
        plans: one page of its plan versions, as ``GET /partnerships/<id>/plans``.
        change: its ratings across reviews, as ``GET /partnerships/<id>/change``.
    """

    overview: Overview
    timeline: Page[dict]
    plans: Page[Plan]
    change: PartnershipChange


def partnership_page(
    actor: Actor | None,
    partnership_id: int,
    timeline_query: dict[str, Any],
    plan_query: dict[str, Any],
) -> PartnershipPage:
    """A partnership the actor may read, with everything its page shows (a constant number
    of statements whatever the length of its history).

    Args:
        timeline_query: ``kind``, ``page`` and ``page_size`` as the timeline takes them.
        plan_query: ``page``, ``page_size`` and ``sort`` as the plan list takes them.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership, or outside the actor's scope (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_for(actor, partnership_id, "read", reading=True)
        rows = AuditRows()

        def audited(result: Any) -> Any:
            # Each read leaves the unit's audit row as its API call would: keep each one.
            rows.keep(unit.audit)
            return result

        overview = audited(read_overview(actor, partnership))
        timeline = audited(read_timeline(unit.session, actor, partnership_id, timeline_query))
        plans = audited(read_plans(unit.session, actor, partnership_id, plan_query))
        change = audited(read_change(unit.session, actor, partnership_id))
        unit.audit = rows
    return PartnershipPage(overview, timeline, plans, change)
