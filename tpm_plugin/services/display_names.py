"""The names a page shows beside ids: the client of each partnership and partners' display
names, only where the viewer may see them (the API's own scopes), in one read.

The JSON API answers ids and leaves names to ``/clients`` and ``/partners``; a page shows
them together. Reading clients' names is a read of care data, so it is audited: one row for
the read, naming every client whose name was given, with the role through which those
names were reachable (see :data:`.access.REACH_PRECEDENCE`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import RowMapping, select
from sqlalchemy.orm import Session

from ..access import Actor
from ..models import Client, Partner, Partnership
from ._unit import unit_of_work
from .access import partnership_scope, record_reads, require_actor, role_reaching
from .people import PARTNERS

ACTION = "read_names"

#: What says how the viewer reached a partnership whose client is named (and which client).
_REACHED_BY = (
    Partnership.id,
    Partnership.client_id,
    Partnership.program_id,
    Partnership.supervisor_id,
    Partnership.partner_id,
)


@dataclass(frozen=True)
class DisplayNames:
    """Display names by id; anything out of the viewer's scope (or erased) is absent.

    Attributes:
        clients: the client's name by partnership id.
        partners: the partner's name by partner id.
    """

    clients: dict[int, str] = field(default_factory=dict)
    partners: dict[int, str] = field(default_factory=dict)


def display_names(
    actor: Actor | None,
    *,
    partnership_ids: Iterable[int] = (),
    partner_ids: Iterable[int] = (),
) -> DisplayNames:
    """The names of the clients of ``partnership_ids`` and of the partners ``partner_ids``
    that ``actor`` may see (a supervisor covering an absence sees the covered clients').

    Raises:
        Unauthenticated: nobody is logged in.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        return read_display_names(
            unit.session, actor, partnership_ids=partnership_ids, partner_ids=partner_ids
        )


def read_display_names(
    session: Session,
    actor: Actor,
    *,
    partnership_ids: Iterable[int] = (),
    partner_ids: Iterable[int] = (),
) -> DisplayNames:
    """:func:`display_names` inside the caller's unit of work (whose audit row is then the
    names' read), for a page that reads them with other things in one transaction."""
    wanted_partnerships = sorted(set(partnership_ids))
    wanted_partners = sorted(set(partner_ids))
    clients: dict[int, str] = {}
    client_ids: set[int] = set()
    revealed: list[RowMapping] = []
    if wanted_partnerships:
        rows = session.execute(
            select(*_REACHED_BY, Client.display_name.label("name"))
            .join(Client, Client.id == Partnership.client_id)
            .where(
                Partnership.id.in_(wanted_partnerships),
                partnership_scope(actor, reading=True),
            )
        ).mappings()
        for row in rows:
            if row["name"]:
                clients[row["id"]] = row["name"]
                client_ids.add(row["client_id"])
                revealed.append(row)
    partners: dict[int, str] = {}
    if wanted_partners:
        rows = session.execute(
            select(Partner.id, Partner.display_name).where(
                Partner.id.in_(wanted_partners), PARTNERS.scope(actor)
            )
        )
        partners = {pid: name for pid, name in rows}
    # Each name was reachable through its partnership: the row records that role, and the
    # program when every name is of one (as a list's row does), for that program's trail.
    role = role_reaching(actor, revealed, actor.primary_role)
    programs = {row["program_id"] for row in revealed}
    record_reads(
        actor,
        "client",
        sorted(client_ids),
        ACTION,
        role=role,
        program_id=next(iter(programs)) if len(programs) == 1 else None,
    )
    return DisplayNames(clients, partners)
