"""Clients, partners and supervisors: one set of functions for every kind of person
(:data:`CLIENTS`, :data:`PARTNERS`, :data:`SUPERVISORS`), each kind with its own scope."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select

from ...access import Actor
from ...errors import Conflict, ValidationFailed
from ...models import Base, Client, Partner, Partnership, Supervisor
from .._races import duplicate_is_conflict
from .._reading import Page, detach, order_by
from .._unit import unit_of_work
from ..access import (
    ALLOWED,
    partnership_scope,
    record_access,
    require_actor,
    require_some_role,
    touch,
)
from ._shared import page, reading_role, require_manager, require_manages, visible


@dataclass(frozen=True)
class _PersonKind:
    """What differs between clients, partners and supervisors."""

    model: type[Base]
    object_type: str
    scope: Callable[[Actor], ColumnElement[bool]]
    audit_reads: bool
    unique_host_user_id: bool
    #: What reads (not changes) reach, when it is more than ``scope``.
    read_scope: Callable[[Actor], ColumnElement[bool]] | None = None

    def reading(self, actor: Actor) -> ColumnElement[bool]:
        """The WHERE clause of the people of this kind ``actor`` may read."""
        return (self.read_scope or self.scope)(actor)


def _client_scope(actor: Actor, *, reading: bool = False) -> ColumnElement[bool]:
    return or_(
        Client.program_id.in_(sorted(actor.managed_program_ids)),
        Client.id.in_(
            select(Partnership.client_id).where(partnership_scope(actor, reading=reading))
        ),
    )


def _client_read_scope(actor: Actor) -> ColumnElement[bool]:
    # A supervisor covering an absence reads the covered partnerships' clients while the
    # grant runs; changing a client stays with the program's managers.
    return _client_scope(actor, reading=True)


def _partner_scope(actor: Actor) -> ColumnElement[bool]:
    mine, theirs = Partnership.partner_id, Partnership.supervisor_id
    return _helper_scope(actor, Partner, actor.partner_ids, mine, actor.supervisor_ids, theirs)


def _supervisor_scope(actor: Actor) -> ColumnElement[bool]:
    mine, theirs = Partnership.supervisor_id, Partnership.partner_id
    return _helper_scope(actor, Supervisor, actor.supervisor_ids, mine, actor.partner_ids, theirs)


def _helper_scope(
    actor: Actor,
    model: Any,
    own_ids: Iterable[int],
    own_column: Any,
    counterpart_ids: Iterable[int],
    counterpart_column: Any,
) -> ColumnElement[bool]:
    # A partner and a supervisor see each other through the partnerships they share, so
    # each kind's scope is the other's mirror: the programs the actor manages, the actor's
    # own rows, and the rows partnered with the actor's counterpart rows.
    clauses = [model.program_id.in_(sorted(actor.managed_program_ids))]
    if own_ids:
        clauses.append(model.id.in_(sorted(own_ids)))
    if counterpart_ids:
        clauses.append(
            model.id.in_(select(own_column).where(counterpart_column.in_(sorted(counterpart_ids))))
        )
    return or_(*clauses)


CLIENTS = _PersonKind(Client, "client", _client_scope, True, False, _client_read_scope)
PARTNERS = _PersonKind(Partner, "partner", _partner_scope, False, True)
SUPERVISORS = _PersonKind(Supervisor, "supervisor", _supervisor_scope, False, True)


def create_person(actor: Actor | None, kind: _PersonKind, data: dict[str, Any]) -> Any:
    """Create a client, partner or supervisor (``kind``: :data:`CLIENTS`, :data:`PARTNERS`
    or :data:`SUPERVISORS`) in a program the actor manages.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor manages no program.
        ValidationFailed: ``program_id`` is not a program the actor manages.
        Conflict: ``host_user_id`` is already linked to another person of this kind.
    """
    actor = require_manager(actor, kind.object_type, None, "create")
    program_id = data["program_id"]
    if program_id not in actor.managed_program_ids:
        raise ValidationFailed(
            "You can only add people to programs you manage.",
            fields={"program_id": [f"No program {program_id} that you manage."]},
        )
    with _linked_race(kind), unit_of_work() as unit:
        _check_host_user_id(unit.session, kind, data["program_id"], data.get("host_user_id"), None)
        person = kind.model(**data)
        unit.session.add(person)
        unit.session.flush()
        record_access(actor, kind.object_type, person.id, "create", ALLOWED)
        detach(unit.session, [person])
    return person


def list_people(actor: Actor | None, kind: _PersonKind, query: dict[str, Any]) -> Page[Any]:
    """One page of the clients, partners or supervisors the actor may see, optionally of one
    ``program_id``. Client reads are audited, one row per client returned.

    Raises:
        Unauthenticated, Forbidden: nobody logged in, or no role at all (audited).
    """
    actor = require_some_role(actor, kind.object_type, "list")
    model = kind.model
    statement = select(model).where(kind.reading(actor))
    if query.get("program_id") is not None:
        statement = statement.where(model.program_id == query["program_id"])
    statement = order_by(
        statement, query["sort"], {"id": model.id, "created_at": model.created_at}, model.id
    )
    return page(statement, query, kind.object_type if kind.audit_reads else None, actor)


def get_person(actor: Actor | None, kind: _PersonKind, person_id: int) -> Any:
    """One client, partner or supervisor the actor may see (client reads are audited).

    Raises:
        NotFound: no such person, or outside the actor's scope (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        person = visible(
            unit.session, actor, kind.model, kind.reading(actor), person_id, kind.object_type
        )
        if kind.audit_reads:
            touch(
                actor,
                kind.object_type,
                person.id,
                "read",
                role=reading_role(unit.session, actor, [person]),
            )
        detach(unit.session, [person])
    return person


def update_person(
    actor: Actor | None, kind: _PersonKind, person_id: int, changes: dict[str, Any]
) -> Any:
    """Change a client, partner or supervisor (program managers of their program only).

    Raises:
        NotFound: outside the actor's scope.
        Forbidden: visible, but the actor does not manage its program.
        Conflict: ``host_user_id`` is already linked to another person of this kind.
    """
    actor = require_actor(actor)
    with _linked_race(kind), unit_of_work() as unit:
        person = visible(
            unit.session, actor, kind.model, kind.scope(actor), person_id, kind.object_type
        )
        require_manages(actor, person.program_id, kind.object_type, person.id, "update")
        if "host_user_id" in changes:
            _check_host_user_id(
                unit.session, kind, person.program_id, changes["host_user_id"], person.id
            )
        for name, value in changes.items():
            setattr(person, name, value)
        record_access(actor, kind.object_type, person.id, "update", ALLOWED)
        detach(unit.session, [person])
    return person


def _check_host_user_id(
    session, kind: _PersonKind, program_id: int, host_user_id: str | None, own_id
) -> None:
    # One person of a kind per host user *in a program*: the same user may partner (or
    # supervise) in several programs.
    if not kind.unique_host_user_id or host_user_id is None:
        return
    model: Any = kind.model
    holder = session.scalar(
        select(model.id).where(model.host_user_id == host_user_id, model.program_id == program_id)
    )
    if holder is not None and holder != own_id:
        raise Conflict(
            f"That host user is already linked to {kind.object_type} {holder} of program "
            f"{program_id}.",
            fields={"host_user_id": [f"Already linked to {kind.object_type} {holder}."]},
        )


def _linked_race(kind: _PersonKind):
    """A concurrent request linked the same host user first (the unique constraint)."""
    message = f"That host user is already linked to a {kind.object_type}."
    return duplicate_is_conflict(message, {"host_user_id": [message]})
