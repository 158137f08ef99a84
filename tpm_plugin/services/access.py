"""Object-level access to care records, and the access audit trail.

A program manager reaches everything in the programs they manage; a supervisor, the
partnerships they supervise; a partner, their own partnerships. Anything outside an actor's
scope answers 404, so its existence does not leak. Every read and change of a care record,
allowed or denied, leaves a row in ``tpm_access_audit`` (ids only, never names or notes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from sqlalchemy import ColumnElement, false, or_, select

from ..access import PARTNER, PROGRAM_MANAGER, SUPERVISOR, Actor
from ..errors import Forbidden, NotFound, Unauthenticated
from ..models import AccessAudit, Partnership
from ._reachable import reachable_partnership
from ._unit import current_unit, session
from .audit_rows import ALLOWED, DENIED, AuditEntry
from .cover import covered_partnerships

logger = logging.getLogger(__name__)


def require_actor(actor: Actor | None) -> Actor:
    """The actor, or 401 when nobody is logged in.

    Raises:
        Unauthenticated: no actor.
    """
    if actor is None:
        raise Unauthenticated("Log in to use the partnership API.")
    return actor


def partnership_scope(actor: Actor, *, reading: bool = False) -> ColumnElement[bool]:
    """A WHERE clause selecting the partnerships ``actor`` may see (``reading``: also those
    a cover supervisor may read while covering an absence)."""
    clauses = []
    if reading and actor.supervisor_ids:
        clauses.append(covered_partnerships(actor.supervisor_ids))
    if actor.managed_program_ids:
        clauses.append(Partnership.program_id.in_(sorted(actor.managed_program_ids)))
    if actor.supervisor_ids:
        clauses.append(Partnership.supervisor_id.in_(sorted(actor.supervisor_ids)))
    if actor.partner_ids:
        clauses.append(Partnership.partner_id.in_(sorted(actor.partner_ids)))
    return or_(*clauses) if clauses else false()


#: How an actor who holds no role on a partnership reached it by a read: a supervisor
#: covering an absent colleague (while the grant runs). Audit rows record it as
#: :data:`SUPERVISOR`; it is never a role of its own.
COVERING = "covering"

#: The ways an actor reaches a partnership, the most direct first. A role held on the
#: partnership itself (manager of its program, its supervisor, its partner: in that order
#: of seniority) comes before covering an absence, which is only borrowed for a while. An
#: audit row records the first of these that reached the record, or, when the row is about
#: several records, the first that reached any of them (:func:`role_reaching`), so a cover
#: who is also the partner of a covered partnership reads it as its partner wherever it is
#: read: a list, a single read, a page.
REACH_PRECEDENCE = (PROGRAM_MANAGER, SUPERVISOR, PARTNER, COVERING)


def recorded_role(reach: str) -> str:
    """The role an audit row records for ``reach``, one of :data:`REACH_PRECEDENCE`."""
    return SUPERVISOR if reach == COVERING else reach


def role_on(
    actor: Actor,
    program_id: int | None,
    supervisor_id: int | None = None,
    partner_id: int | None = None,
) -> str | None:
    """The first role in :data:`REACH_PRECEDENCE` that ``actor`` holds on an object of
    ``program_id`` supervised by ``supervisor_id`` and partnered by ``partner_id``
    (``None``: no role there)."""
    # Spelled out in REACH_PRECEDENCE's order (a test holds them together): this runs for
    # every row of a list, and a loop over the precedence costs several times as much.
    if program_id is not None and program_id in actor.managed_program_ids:
        return PROGRAM_MANAGER
    if supervisor_id is not None and supervisor_id in actor.supervisor_ids:
        return SUPERVISOR
    if partner_id is not None and partner_id in actor.partner_ids:
        return PARTNER
    return None


def role_on_partnership(actor: Actor, partnership: Any) -> str | None:
    """The most senior role ``actor`` holds on ``partnership`` (a row or a mapping)."""
    get = partnership.get if isinstance(partnership, Mapping) else partnership.__getattribute__
    return role_on(actor, get("program_id"), get("supervisor_id"), get("partner_id"))


def reach_on(actor: Actor, partnership: Any) -> str | None:
    """How ``actor`` reaches ``partnership`` (a row or a mapping) once a reading scope
    reached it: the role held on it, else :data:`COVERING` (a supervisor holding no role
    on it is covering an absence)."""
    return role_on_partnership(actor, partnership) or (COVERING if actor.supervisor_ids else None)


def role_reaching(
    actor: Actor, partnerships: Iterable[Any], default: str | None = None
) -> str | None:
    """The role an audit row about reading ``partnerships`` (rows or mappings a reading
    scope reached; records of theirs) records: the first way in :data:`REACH_PRECEDENCE`
    that reaches any of them; ``default`` when there are none."""
    reaches = {reach_on(actor, partnership) for partnership in partnerships}
    first = next((reach for reach in REACH_PRECEDENCE if reach in reaches), None)
    return default if first is None else recorded_role(first)


def reading_role(actor: Actor, partnership: Any) -> str | None:
    """The role ``actor`` reads ``partnership`` with once a reading scope reached it (see
    :data:`REACH_PRECEDENCE`): the role held on it, else supervisor (covering an absence)."""
    return role_reaching(actor, [partnership])


_UNSET: Any = object()


def touch(
    actor: Actor | None,
    object_type: str,
    object_id: object,
    action: str,
    outcome: str = ALLOWED,
    *,
    role: str | None = _UNSET,
    program_id: int | None = _UNSET,
    partnership_id: int | None = _UNSET,
    object_ids: list[int] | None = None,
) -> None:
    """Set the access-audit row of the current unit of work: the object touched, the action
    and its outcome so far. Each call replaces the last, so a unit writes exactly one row,
    about the last object it touched; ``role``, ``program_id`` and ``partnership_id`` not
    given are kept from the object touched before (the partnership a record belongs to).

    The row is written with the unit's commit; if the unit fails after this call, it is
    written as denied or refused after the rollback. Outside a unit of work the row is
    written at once, in a transaction of its own.
    """
    unit = current_unit()
    previous = unit.audit if unit is not None and isinstance(unit.audit, AuditEntry) else None

    def kept(value: Any, name: str, default: Any) -> Any:
        if value is not _UNSET:
            return value
        return getattr(previous, name) if previous is not None else default

    program = kept(program_id, "program_id", None)
    entry = AuditEntry(
        actor_id=actor.user_id if actor else None,
        actor_role=kept(role, "actor_role", _default_role(actor, program)),
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        action=action,
        outcome=outcome,
        program_id=program,
        partnership_id=kept(partnership_id, "partnership_id", None),
        object_ids=object_ids,
    )
    if unit is not None:
        unit.audit = entry
        return
    current = session()
    current.rollback()
    entry.write(current)
    current.commit()


def _default_role(actor: Actor | None, program_id: int | None) -> str | None:
    if actor is None:
        return None
    if program_id is not None:
        return role_on(actor, program_id) or actor.primary_role
    return actor.primary_role


def record_access(
    actor: Actor | None, object_type: str, object_id: object, action: str, outcome: str
) -> None:
    """The unit's access-audit row is about ``object_type`` ``object_id``; see :func:`touch`."""
    touch(actor, object_type, object_id, action, outcome)


def access_row(
    actor: Actor | None,
    object_type: str,
    object_id: object,
    action: str,
    outcome: str,
    *,
    role: str | None = _UNSET,
    program_id: int | None = None,
    partnership_id: int | None = None,
) -> tuple[type[AccessAudit], dict[str, Any]]:
    """An access-audit row as its model and values, for a caller that writes several rows
    in one statement of its own (intake opens a client and a partnership in one INSERT).
    Values, not an ``AccessAudit`` object: that statement reads them straight back, and an
    instrumented object costs more to build than the row costs to write.

    ``role`` defaults to the actor's most senior role; ``program_id`` and
    ``partnership_id`` say whose care data it was (the program's trail finds the row by
    them), as :func:`touch` records them."""
    if role is _UNSET:
        role = actor.primary_role if actor else None
    return (
        AccessAudit,
        {
            "actor_id": actor.user_id if actor else None,
            "actor_role": role,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "action": action,
            "outcome": outcome,
            "program_id": program_id,
            "partnership_id": partnership_id,
        },
    )


def record_denied(actor: Actor | None, object_type: str, object_id: object, action: str) -> None:
    """Audit a denied attempt on an object the actor cannot reach (no role held on it). The
    row survives the rollback of the request that is refused."""
    touch(actor, object_type, object_id, action, DENIED, role=None, program_id=None)


def partnership_for(
    actor: Actor, partnership_id: int, action: str, *, lock: bool = False, reading: bool = False
) -> Partnership:
    """Load a partnership the actor may reach, optionally locking its row (``reading``: a
    read, which a cover supervisor may make while covering an absence); the unit's audit
    row is then about it, with the role the actor holds on it.

    Raises:
        NotFound: no such partnership, or it is outside the actor's scope (the attempt is
            audited as denied).
    """
    if reading:
        query = select(Partnership).where(
            Partnership.id == partnership_id, partnership_scope(actor, reading=True)
        )
        partnership = session().scalars(query.with_for_update() if lock else query).first()
    else:
        query, params = reachable_partnership(actor, partnership_id, lock=lock)
        partnership = session().scalars(query, params).first()
    if partnership is None:
        record_denied(actor, "partnership", partnership_id, action)
        raise NotFound(f"No partnership {partnership_id} that you can reach.")
    touch_partnership(actor, partnership, "partnership", partnership.id, action)
    return partnership


def touch_partnership(
    actor: Actor, partnership: Any, object_type: str, object_id: object, action: str
) -> None:
    """The unit's audit row is about an object of ``partnership`` (``object_type``
    ``object_id``), touched with the role the actor holds on that partnership (a supervisor
    who reached it holding no role on it is covering an absence: audited as supervisor)."""
    get = partnership.get if isinstance(partnership, Mapping) else partnership.__getattribute__
    touch(
        actor,
        object_type,
        object_id,
        action,
        role=reading_role(actor, partnership),
        program_id=get("program_id"),
        partnership_id=get("id"),
    )


def record_reads(
    actor: Actor,
    object_type: str,
    object_ids: list[int],
    action: str,
    *,
    program_id: int | None = _UNSET,
    role: str | None = _UNSET,
) -> None:
    """Audit that ``actor`` listed ``object_ids`` (possibly none): one row for the list,
    naming every id it answered, in one statement whatever the page size."""
    touch(
        actor,
        object_type,
        None,
        action,
        role=role,
        program_id=program_id,
        object_ids=[int(object_id) for object_id in object_ids],
    )


def forbid(
    actor: Actor | None, object_type: str, object_id: object, action: str, message: str
) -> NoReturn:
    """Audit a refused attempt (with the role held on the object, if any), then refuse it
    with 403.

    Raises:
        Forbidden: always, with ``message``.
    """
    touch(actor, object_type, object_id, action, DENIED)
    raise Forbidden(message)


def require_some_role(actor: Actor | None, object_type: str, action: str) -> Actor:
    """The actor, when they hold at least one plugin role.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor holds no role (audited as denied).
    """
    actor = require_actor(actor)
    if not actor.roles:
        forbid(
            actor,
            object_type,
            None,
            action,
            "Your account has no role in any partnership program; ask a program manager.",
        )
    return actor
