"""History that stays history: assignment periods and program target periods.

The partnership and program services call the writers in the same transaction as the change
they record; the owed rule and fidelity read the periods back, so a reassignment or a new
target changes the weeks that follow it and never those before.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    ColumnElement,
    Subquery,
    and_,
    exists,
    literal,
    or_,
    select,
    union_all,
    update,
)

from ..models import Partnership, PartnershipAssignment, Program, ProgramTargets, UTCDateTime
from ._unit import session

#: The program columns a target period keeps.
TARGET_FIELDS = ("meetings_per_week", "supervision_minutes_per_client")


def record_assignment(partnership: Partnership, at: dt.datetime, changed_by: str | None) -> None:
    """Close the partnership's current assignment period at ``at`` and open one naming its
    partner and supervisor as they are now (call after changing them, before commit)."""
    session().execute(
        update(PartnershipAssignment)
        .where(
            PartnershipAssignment.partnership_id == partnership.id,
            PartnershipAssignment.valid_until.is_(None),
        )
        .values(valid_until=at)
    )
    session().add(
        PartnershipAssignment(
            partnership_id=partnership.id,
            partner_id=partnership.partner_id,
            supervisor_id=partnership.supervisor_id,
            valid_from=at,
            changed_by=changed_by,
        )
    )


def record_targets(program: Program, at: dt.datetime, changed_by: str | None) -> None:
    """Close the program's current target period at ``at`` and open one with its targets as
    they are now (call after changing them, before commit)."""
    session().execute(
        update(ProgramTargets)
        .where(ProgramTargets.program_id == program.id, ProgramTargets.valid_until.is_(None))
        .values(valid_until=at)
    )
    session().add(
        ProgramTargets(
            program_id=program.id,
            meetings_per_week=program.meetings_per_week,
            supervision_minutes_per_client=program.supervision_minutes_per_client,
            valid_from=at,
            changed_by=changed_by,
        )
    )


def assignment_periods(in_scope: ColumnElement[bool]) -> Subquery:
    """Who held each partnership in scope, and when: a subquery named
    ``assignment_periods`` with ``partnership_id``, ``partner_id``, ``supervisor_id``,
    ``valid_from`` and ``valid_until`` (``NULL`` bounds are open).

    A partnership with no recorded period (made outside the services) counts its current
    partner and supervisor as having held it always.
    """
    recorded = select(
        PartnershipAssignment.partnership_id,
        PartnershipAssignment.partner_id,
        PartnershipAssignment.supervisor_id,
        PartnershipAssignment.valid_from,
        PartnershipAssignment.valid_until,
    ).where(PartnershipAssignment.partnership_id.in_(select(Partnership.id).where(in_scope)))
    implied = select(
        Partnership.id,
        Partnership.partner_id,
        Partnership.supervisor_id,
        literal(None, UTCDateTime()),
        literal(None, UTCDateTime()),
    ).where(
        in_scope,
        ~exists().where(PartnershipAssignment.partnership_id == Partnership.id),
    )
    return union_all(recorded, implied).subquery("assignment_periods")


def held_by(role: str, person_id: int) -> ColumnElement[bool]:
    """A condition on ``Partnership``: ``person_id`` holds or ever held its ``role``
    (``partner`` or ``supervisor``)."""
    column = getattr(PartnershipAssignment, f"{role}_id")
    current = getattr(Partnership, f"{role}_id")
    return or_(
        current == person_id,
        exists().where(
            and_(PartnershipAssignment.partnership_id == Partnership.id, column == person_id)
        ),
    )
