"""Identification entries: the client's own voice, observations, and others' reports.

Anyone who can reach a partnership (its program's managers, its supervisor, its partner)
may add entries and read them. An entry is never edited: a correction is a new entry that
supersedes it.
"""

from __future__ import annotations

from typing import Any

from ..access import Actor
from ..models import IdentificationEntry
from ._care import (
    add_record,
    annotate,
    audited_page,
    check_supersedes,
    in_reach,
    partnership_taking_records,
    with_successor,
)
from ._reading import Page, detach, order_by
from ._unit import unit_of_work
from .access import ALLOWED, partnership_for, record_access, require_actor

OBJECT_TYPE = "identification_entry"
SORTS = ("id", "recorded_at")


def add_entry(
    actor: Actor | None, partnership_id: int, data: dict[str, Any]
) -> IdentificationEntry:
    """Record an identification entry (or, with ``supersedes_id``, a correction).

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
        ValidationFailed: the partnership is closed and this is no correction, or
            ``supersedes_id`` is not a current entry of this partnership.
        Conflict: a concurrent correction of the same entry won.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_taking_records(
            actor, partnership_id, "create_entry", correcting=bool(data.get("supersedes_id"))
        )
        check_supersedes(
            unit.session, IdentificationEntry, partnership.id, data.get("supersedes_id")
        )
        entry = IdentificationEntry(partnership_id=partnership.id, author_id=actor.user_id, **data)
        add_record(unit.session, entry)
        record_access(actor, OBJECT_TYPE, entry.id, "create", ALLOWED)
        entry.superseded_by_id = None
        detach(unit.session, [entry])
    return entry


def get_entry(actor: Actor | None, entry_id: int) -> IdentificationEntry:
    """One entry, with ``superseded_by_id`` (the read is audited).

    Raises:
        NotFound: no such entry within the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        in_reach(
            unit.session, actor, IdentificationEntry, OBJECT_TYPE, entry_id, "read", reading=True
        )
        statement, _ = with_successor(IdentificationEntry)
        [entry] = annotate(
            list(unit.session.execute(statement.where(IdentificationEntry.id == entry_id)))
        )
        record_access(actor, OBJECT_TYPE, entry.id, "read", ALLOWED)
        detach(unit.session, [entry])
    return entry


def list_entries(
    actor: Actor | None, partnership_id: int, query: dict[str, Any]
) -> Page[IdentificationEntry]:
    """One page of a partnership's current entries (``include_superseded``: the history
    too), optionally of one ``kind`` or ``domain``. Each returned entry's read is audited.

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "list_entries", reading=True)
        statement, successor = with_successor(IdentificationEntry)
        statement = statement.where(IdentificationEntry.partnership_id == partnership_id)
        if not query["include_superseded"]:
            statement = statement.where(successor.id.is_(None))
        for name in ("kind", "domain"):
            if query.get(name) is not None:
                statement = statement.where(getattr(IdentificationEntry, name) == query[name])
        columns = {key: getattr(IdentificationEntry, key) for key in SORTS}
        statement = order_by(statement, query["sort"], columns, IdentificationEntry.id)
        return audited_page(unit.session, actor, statement, query, OBJECT_TYPE, successors=True)
