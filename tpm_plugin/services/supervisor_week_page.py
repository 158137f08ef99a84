"""Everything a supervisor's week page shows, read in one transaction: their week of
supervision (blocks, agendas, unplaced work), the open partnerships they supervise with
last week's meetings against the target, and the names beside the ids.

Each part is read as the API call that reads it alone would read it (the same scope, the
same figures) and audited as that call audits it: the week's two rows (its sessions, its
agendas' partnerships), the list's, one ``read_fidelity`` row per partnership (as
``GET /partnerships/<id>/fidelity`` for last week) and the names' row, written together
with the one commit. One reach check on the
supervisor, and last week's figures of every partnership in the statements of one scope,
instead of a transaction, a scope check and a fidelity read per partnership.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import RowMapping

from ..access import Actor
from ._unit import unit_of_work
from .access import ALLOWED, record_access, require_actor
from .audit_rows import AuditRows
from .display_names import DisplayNames, read_display_names
from .fidelity import ACTION as READ_FIDELITY
from .fidelity import MeetingsAgainstTarget, meetings_by_partnership, week_window
from .partnerships import read_partnership_list
from .supervision_placement.week_view import SupervisorWeek, read_supervisor_week

T = TypeVar("T")


@dataclass(frozen=True)
class SupervisorWeekPage:
    """What a supervisor's week page shows.

    Attributes:
        week: the week's blocks with their agendas, and the work that found no place, as
            ``GET /supervisors/<id>/week``.
        supervised: the open partnerships they supervise (the rows of
            ``GET /partnerships?supervisor_id=<id>``, ended ones left out).
        last_week: each supervised partnership's meetings held the week before against the
            target, equal to its ``GET /partnerships/<id>/fidelity`` for that week.
        names: the clients' and partners' names the viewer may see.
    """

    week: SupervisorWeek
    supervised: list[RowMapping]
    last_week: dict[int, MeetingsAgainstTarget]
    names: DisplayNames


def supervisor_week_page(
    actor: Actor | None, supervisor_id: int, day: dt.date | None, listing: dict[str, Any]
) -> SupervisorWeekPage:
    """A supervisor's week the actor may reach (the supervisor themselves, or a manager of
    their program), with everything its page shows, in a constant number of statements
    whatever the number of partnerships supervised.

    Args:
        supervisor_id: whose week.
        day: a local date of the week (default: this week).
        listing: the partnership list's query (``supervisor_id``, ``page_size`` …), as
            :func:`~tpm_plugin.services.partnerships.list_partnerships` takes it.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the supervisor is outside the actor's reach (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        rows = AuditRows()

        def audited(read: Callable[[], T]) -> T:
            # Each read is audited as its own API call (a unit of its own) would audit it:
            # its rows keep nothing of the reads before, and every row is kept.
            unit.audit = None
            result = read()
            rows.keep(unit.audit)
            return result

        week = audited(lambda: read_supervisor_week(unit.session, actor, supervisor_id, day))
        listed = audited(lambda: read_partnership_list(unit.session, actor, listing)).items
        supervised = [row for row in listed if not row["ended_at"]]
        ids = [row["id"] for row in supervised]
        last_week = _last_week(week, ids)
        for pid in ids:
            audited(partial(record_access, actor, "partnership", pid, READ_FIDELITY, ALLOWED))
        agenda_ids = [item.partnership_id for block in week.blocks for item in block.agenda]
        names = audited(
            lambda: read_display_names(
                unit.session,
                actor,
                partnership_ids=ids + agenda_ids,
                partner_ids=[b.partner_id for b in week.blocks]
                + [u.partner_id for u in week.unplaced],
            )
        )
        unit.audit = rows
    return SupervisorWeekPage(week, supervised, last_week, names)


def _last_week(
    week: SupervisorWeek, partnership_ids: list[int]
) -> dict[int, MeetingsAgainstTarget]:
    """Last week's figures of ``partnership_ids`` (in the actor's scope already: they come
    from the list), as each one's fidelity for that week shows them."""
    if not partnership_ids:
        return {}
    monday = week.week_starts_on - dt.timedelta(days=7)
    # A partnership's supervisor belongs to its program: the week's timezone is theirs.
    weeks = week_window(week.timezone, start=monday, end=monday + dt.timedelta(days=6))
    return {
        pid: by_week[0] for pid, by_week in meetings_by_partnership(weeks, partnership_ids).items()
    }
