"""A supervisor's absences (local dates, inclusive) with an optional cover supervisor of
the same program: listed, added and removed by the supervisor and their program's managers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...access import Actor
from ...errors import NotFound, ValidationFailed
from ...models import Absence, Supervisor
from .._unit import unit_of_work
from ..access import ALLOWED, record_access, record_denied, require_actor
from .reach import supervisor_in_reach

OBJECT_TYPE = "absence"
LIST_ACTION = "list_absences"
ADD_ACTION = "add_absence"
REMOVE_ACTION = "remove_absence"


def list_absences(actor: Actor | None, supervisor_id: int) -> list[Absence]:
    """The supervisor's absences, earliest first (each read audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the supervisor is outside the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        supervisor_in_reach(unit.session, actor, supervisor_id, LIST_ACTION)
        rows = list(
            unit.session.scalars(
                select(Absence)
                .where(Absence.supervisor_id == supervisor_id)
                .order_by(Absence.starts_on, Absence.id)
            )
        )
        for row in rows:
            record_access(actor, OBJECT_TYPE, row.id, LIST_ACTION, ALLOWED)
        unit.session.expunge_all()
    return rows


def add_absence(actor: Actor | None, supervisor_id: int, data: dict[str, Any]) -> Absence:
    """Record an absence (the change is audited).

    Args:
        data: ``starts_on``, ``ends_on`` (local dates, inclusive, in order; checked by the
            schema) and optionally ``cover_supervisor_id``.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the supervisor is outside the actor's reach (audited).
        ValidationFailed: the cover is the absent supervisor, or not an active supervisor
            of the same program (``cover_supervisor_id``).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        program_id, _ = supervisor_in_reach(unit.session, actor, supervisor_id, ADD_ACTION)
        cover_id = data.get("cover_supervisor_id")
        if cover_id is not None:
            _check_cover(unit.session, supervisor_id, program_id, cover_id)
        row = Absence(supervisor_id=supervisor_id, **data)
        unit.session.add(row)
        unit.session.flush()
        record_access(actor, OBJECT_TYPE, row.id, ADD_ACTION, ALLOWED)
        unit.session.expunge(row)
    return row


def remove_absence(actor: Actor | None, supervisor_id: int, absence_id: int) -> None:
    """Remove an absence (the change is audited); its cover ends with it.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the supervisor, or this absence of theirs, is outside the actor's reach
            (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        supervisor_in_reach(unit.session, actor, supervisor_id, REMOVE_ACTION)
        row = unit.session.get(Absence, absence_id)
        if row is None or row.supervisor_id != supervisor_id:
            record_denied(actor, OBJECT_TYPE, absence_id, REMOVE_ACTION)
            raise NotFound(f"Supervisor {supervisor_id} has no absence {absence_id}.")
        unit.session.delete(row)
        record_access(actor, OBJECT_TYPE, absence_id, REMOVE_ACTION, ALLOWED)


def _check_cover(db: Any, supervisor_id: int, program_id: int, cover_id: int) -> None:
    if cover_id == supervisor_id:
        raise ValidationFailed(
            "A supervisor cannot cover their own absence; name another supervisor.",
            fields={"cover_supervisor_id": ["Must be another supervisor."]},
        )
    cover = db.execute(
        select(Supervisor.program_id, Supervisor.active).where(Supervisor.id == cover_id)
    ).first()
    if cover is None or cover.program_id != program_id or not cover.active:
        raise ValidationFailed(
            f"Supervisor {cover_id} cannot cover: name an active supervisor of the same program.",
            fields={"cover_supervisor_id": ["Must be an active supervisor of the same program."]},
        )
