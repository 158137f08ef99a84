"""A program's access audit, read by its managers.

Every request that read or changed care data of the program left one row (see
:mod:`tpm_plugin.services.access`); its managers page through them, newest first,
filtered by person, partnership, action and time. Reading the trail is audited too. Three
statements whatever the page size: the actor's roles, the page with its count, the audit
row of the read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping, select

from ..access import PROGRAM_MANAGER, Actor
from ..errors import NotFound
from ..models import AccessAudit
from ._reading import Page, paginate
from ._unit import unit_of_work
from .access import record_denied, record_reads, require_actor

OBJECT_TYPE = "access_audit"
ACTION = "read_audit"
_FILTERS = ("actor_id", "partnership_id", "action")


def program_audit(actor: Actor | None, program_id: int, query: dict[str, Any]) -> Page[RowMapping]:
    """One page of the access audit of ``program_id``, newest first.

    Args:
        query: ``page``, ``page_size`` and optional ``actor_id``, ``partnership_id``,
            ``action``, ``occurred_from`` (inclusive), ``occurred_before`` (exclusive).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: the actor does not manage the program (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        if program_id not in actor.managed_program_ids:
            record_denied(actor, OBJECT_TYPE, None, ACTION)
            raise NotFound(f"No program {program_id} whose audit you can read.")
        statement = select(*AccessAudit.__table__.columns).where(
            AccessAudit.program_id == program_id
        )
        for name in _FILTERS:
            if query.get(name) is not None:
                statement = statement.where(getattr(AccessAudit, name) == query[name])
        if query.get("occurred_from") is not None:
            statement = statement.where(AccessAudit.occurred_at >= query["occurred_from"])
        if query.get("occurred_before") is not None:
            statement = statement.where(AccessAudit.occurred_at < query["occurred_before"])
        statement = statement.order_by(AccessAudit.occurred_at.desc(), AccessAudit.id.desc())
        rows, total = paginate(
            unit.session, statement, query["page"], query["page_size"], plain_rows=True
        )
        record_reads(
            actor,
            OBJECT_TYPE,
            [row["id"] for row in rows],
            ACTION,
            program_id=program_id,
            role=PROGRAM_MANAGER,
        )
    return Page(list(rows), query["page"], query["page_size"], total)
