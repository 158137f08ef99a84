"""Who may reach a client's data for its rights: the program managers of the client's
program. Someone who sees one of the client's partnerships is refused (403); anyone else
is answered 404, so the client's existence does not leak. Every refusal is audited."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import exists, select

from ...access import PROGRAM_MANAGER, Actor
from ...errors import Forbidden, NotFound
from ...models import Client, Partnership
from .._unit import session
from ..access import partnership_scope, record_denied, touch


def client_for(actor: Actor, client_id: int, action: str, *, lock: bool = False) -> Client:
    """The client row ``client_id`` for ``action`` (``lock``: FOR UPDATE), audited as
    reached by a program manager; refused and audited otherwise.

    Raises:
        Forbidden: the actor sees one of the client's partnerships but does not manage
            the client's program.
        NotFound: no such client, or out of the actor's scope.
    """
    query = select(Client).where(Client.id == client_id)
    if lock:
        query = query.with_for_update()
    client = session().scalars(query).first()
    if client is None:
        _refuse(actor, client_id, action, NotFound(f"No client {client_id} that you can reach."))
    if client.program_id not in actor.managed_program_ids:
        sees_a_partnership = session().scalar(
            select(exists().where(Partnership.client_id == client_id, partnership_scope(actor)))
        )
        if sees_a_partnership:
            _refuse(
                actor,
                client_id,
                action,
                Forbidden(f"Only the program's managers may {action} a client's data."),
            )
        _refuse(actor, client_id, action, NotFound(f"No client {client_id} that you can reach."))
    touch(actor, "client", client_id, action, role=PROGRAM_MANAGER, program_id=client.program_id)
    return client


def _refuse(actor: Actor, client_id: int, action: str, error: Exception) -> NoReturn:
    record_denied(actor, "client", client_id, action)
    raise error
