"""Crisis cadence: a supervisor or program manager raises a partnership's weekly targets for
a number of weeks, with a reason.

While an override is in force, what a week owes (:mod:`tpm_plugin.services.owed`) uses the
higher of the usual figure and the override's, for the time the partnership spends in a
stage that owes; it stops by itself after its weeks, or when someone ends it early. Who may
act: the program's managers and the partnership's supervisor raise and end; anyone who may
see the partnership lists them. Every call is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from ..access import Actor
from ..errors import Conflict, NotFound
from ..models import CadenceOverride, Partnership, utcnow
from ._reading import Page, detach, paginate
from ._unit import unit_of_work
from .access import (
    ALLOWED,
    forbid,
    partnership_for,
    record_access,
    record_denied,
    require_actor,
    touch_partnership,
)
from .partnerships import ensure_open

OBJECT_TYPE = "cadence_override"


def raise_cadence(
    actor: Actor | None, partnership_id: int, data: dict[str, Any]
) -> CadenceOverride:
    """Raise a partnership's cadence from now for ``data["weeks"]`` weeks.

    Args:
        data: ``weeks``, ``reason`` and at least one of ``meetings_per_week`` and
            ``supervision_minutes_per_client`` (validated by the API schema).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's scope (audited).
        Forbidden: the actor sees it but is neither its supervisor nor a manager of its
            program (audited).
        ValidationFailed: the partnership is closed.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_for(actor, partnership_id, "raise_cadence", lock=True)
        _may_change(actor, partnership, "raise_cadence")
        ensure_open(partnership, "weeks")
        now = utcnow()
        override = CadenceOverride(
            partnership_id=partnership.id,
            meetings_per_week=data.get("meetings_per_week"),
            supervision_minutes_per_client=data.get("supervision_minutes_per_client"),
            weeks=data["weeks"],
            reason=data["reason"],
            starts_at=now,
            ends_at=now + dt.timedelta(weeks=data["weeks"]),
            created_by=actor.user_id,
            created_by_role=_role_on(actor, partnership),
            created_at=now,
        )
        unit.session.add(override)
        unit.session.flush()
        record_access(actor, OBJECT_TYPE, override.id, "create", ALLOWED)
        detach(unit.session, [override])
    return override


def end_cadence(actor: Actor | None, partnership_id: int, override_id: int) -> CadenceOverride:
    """End a crisis cadence early, now.

    Raises:
        Unauthenticated, NotFound, Forbidden: as for :func:`raise_cadence`; also NotFound
            when the override is not one of this partnership's.
        Conflict: it is no longer in force (it ran out, or was ended already).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_for(actor, partnership_id, "end_cadence", lock=True)
        _may_change(actor, partnership, "end_cadence")
        override = unit.session.scalar(
            select(CadenceOverride).where(
                CadenceOverride.id == override_id,
                CadenceOverride.partnership_id == partnership.id,
            )
        )
        if override is None:
            record_denied(actor, OBJECT_TYPE, override_id, "end")
            raise NotFound(f"Partnership {partnership_id} has no cadence override {override_id}.")
        now = utcnow()
        if override.in_force_until <= now:
            raise Conflict(
                f"Cadence override {override_id} is no longer in force "
                f"(it ended at {override.in_force_until.isoformat()}); nothing to end."
            )
        override.ended_early_at = now
        override.ended_early_by = actor.user_id
        record_access(actor, OBJECT_TYPE, override.id, "end", ALLOWED)
        detach(unit.session, [override])
    return override


def list_cadence_overrides(
    actor: Actor | None, partnership_id: int, query: dict[str, Any]
) -> Page[CadenceOverride]:
    """A partnership's crisis cadences, newest first, one page (the read is audited).

    Raises:
        Unauthenticated, NotFound: as for :func:`raise_cadence`.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "list_cadence", reading=True)
        statement = (
            select(CadenceOverride)
            .where(CadenceOverride.partnership_id == partnership_id)
            .order_by(CadenceOverride.created_at.desc(), CadenceOverride.id.desc())
        )
        rows, total = paginate(unit.session, statement, query["page"], query["page_size"])
        record_access(actor, "partnership", partnership_id, "list_cadence", ALLOWED)
        detach(unit.session, rows)
    return Page(rows, query["page"], query["page_size"], total)


def get_cadence_override(actor: Actor | None, override_id: int) -> CadenceOverride:
    """One crisis cadence, for anyone who can reach its partnership (the read is audited).

    Raises:
        Unauthenticated: no actor.
        NotFound: no such override, or its partnership is outside the actor's scope
            (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        override = unit.session.get(CadenceOverride, override_id)
        if override is None:
            record_denied(actor, OBJECT_TYPE, override_id, "read")
            raise NotFound(f"No cadence override {override_id} that you can reach.")
        try:
            partnership = partnership_for(actor, override.partnership_id, "read", reading=True)
        except NotFound:
            record_denied(actor, OBJECT_TYPE, override_id, "read")
            raise NotFound(f"No cadence override {override_id} that you can reach.") from None
        touch_partnership(actor, partnership, OBJECT_TYPE, override.id, "read")
        detach(unit.session, [override])
    return override


def _may_change(actor: Actor, partnership: Partnership, action: str) -> None:
    if _role_on(actor, partnership) is None:
        forbid(
            actor,
            "partnership",
            partnership.id,
            action,
            "Only the partnership's supervisor or its program's managers can change its cadence.",
        )


def _role_on(actor: Actor, partnership: Partnership) -> str | None:
    """The role that lets ``actor`` change the partnership's cadence, if any."""
    if partnership.program_id in actor.managed_program_ids:
        return "program_manager"
    if partnership.supervisor_id in actor.supervisor_ids:
        return "supervisor"
    return None
