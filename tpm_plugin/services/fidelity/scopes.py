"""Fidelity of one scope: a partnership, a partner, a supervisor or a whole program.

Each public function checks that the actor may see the scope (out of scope is a 404,
audited as denied), measures the window, and audits the read.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, Row, and_, exists, or_, select

from ...access import Actor
from ...errors import Forbidden, NotFound
from ...models import Partner, Partnership, Program, Supervisor
from .._unit import session, unit_of_work
from ..access import ALLOWED, partnership_scope, record_access, record_denied, require_actor
from ..history import held_by
from .figures import MEETING_PLACES, MINUTE_PLACES, WeekFigures, shown, week_figures
from .weeks import week_window

ACTION = "read_fidelity"


@dataclass(frozen=True)
class Fidelity:
    """Fidelity of one scope (``partnership``, ``partner``, ``supervisor``, ``program``)."""

    scope: str
    scope_id: int
    timezone: str
    weeks: list[WeekFigures]

    @property
    def meetings_owed(self) -> float:
        """Meetings owed over the window: the weeks' exact figures added, rounded once."""
        return shown(sum((w.owed.meetings for w in self.weeks), Fraction(0)), MEETING_PLACES)

    @property
    def supervision_minutes_owed(self) -> float:
        """Supervision minutes owed over the window, added exactly and rounded once."""
        owed = sum((w.owed.supervision_minutes for w in self.weeks), Fraction(0))
        return shown(owed, MINUTE_PLACES)

    @property
    def meeting_weeks_below_target(self) -> int:
        """How many weeks held fewer meetings than the target."""
        return sum(week.meetings_below_target for week in self.weeks)

    @property
    def supervision_weeks_below_target(self) -> int:
        """How many weeks delivered fewer supervision minutes than owed."""
        return sum(week.supervision_below_target for week in self.weeks)


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
        visible = partnership_scope(actor, reading=True)
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
            actor,
            "partnership",
            partnership_id,
            program.timezone,
            Partnership.id == partnership_id,
            window,
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
        row = _program_of(Partner, partner_id)
        supervises = bool(actor.supervisor_ids) and session().scalar(
            select(
                exists().where(
                    Partnership.partner_id == partner_id,
                    Partnership.supervisor_id.in_(actor.supervisor_ids),
                )
            )
        )
        sees_all = row is not None and (
            row.program_id in actor.managed_program_ids or partner_id in actor.partner_ids
        )
        if row is None or not (sees_all or supervises):
            _not_found(actor, "partner", partner_id)
        # Every partnership they partnered, now or before: past weeks stay theirs. A
        # supervisor sees only the ones they supervise, not the others'.
        held = held_by("partner", partner_id)
        if not sees_all:
            held = and_(held, Partnership.supervisor_id.in_(actor.supervisor_ids))
        return _measure(actor, "partner", partner_id, row.timezone, held, window)


def supervisor_fidelity(actor: Actor | None, supervisor_id: int, **window: Any) -> Fidelity:
    """Fidelity of every partnership one supervisor supervises, for that supervisor or the
    program manager of their program.

    Raises:
        Unauthenticated, NotFound (out of scope, audited), ValidationFailed: as for
            :func:`partnership_fidelity`.
    """
    actor = require_actor(actor)
    with unit_of_work():
        row = _program_of(Supervisor, supervisor_id)
        if row is None or not (
            row.program_id in actor.managed_program_ids or supervisor_id in actor.supervisor_ids
        ):
            _not_found(actor, "supervisor", supervisor_id)
        held = held_by("supervisor", supervisor_id)
        return _measure(actor, "supervisor", supervisor_id, row.timezone, held, window)


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
        in_program = Partnership.program_id == program_id
        return _measure(actor, "program", program_id, timezone, in_program, window)


def _measure(
    actor: Actor,
    scope: str,
    scope_id: int,
    timezone: str,
    in_scope: ColumnElement[bool],
    window: dict[str, Any],
) -> Fidelity:
    weeks = week_window(timezone, **window)
    figures = week_figures(weeks, scope, scope_id, in_scope)
    record_access(actor, scope, scope_id, ACTION, ALLOWED)
    return Fidelity(scope=scope, scope_id=scope_id, timezone=timezone, weeks=figures)


def _program_of(member: type[Partner] | type[Supervisor], member_id: int) -> Row | None:
    """The (``program_id``, ``timezone``) of a partner's or supervisor's program; ``None``
    when there is no such member."""
    return (
        session()
        .execute(
            select(member.program_id, Program.timezone)
            .join(Program, Program.id == member.program_id)
            .where(member.id == member_id)
        )
        .first()
    )


def _takes_part(actor: Actor, program_id: int) -> bool:
    """Whether the actor supervises or partners in the program (so may know it exists)."""
    checks = []
    if actor.supervisor_ids:
        checks.append(
            exists().where(
                Supervisor.id.in_(actor.supervisor_ids), Supervisor.program_id == program_id
            )
        )
    if actor.partner_ids:
        checks.append(
            exists().where(Partner.id.in_(actor.partner_ids), Partner.program_id == program_id)
        )
    return bool(checks) and bool(session().scalar(select(or_(*checks))))


def _not_found(actor: Actor, object_type: str, object_id: int) -> NoReturn:
    record_denied(actor, object_type, object_id, ACTION)
    raise NotFound(f"No {object_type} {object_id} that you can reach.")
