"""What the care-record services share: finding a record within the actor's reach,
corrections that supersede an entry, and audited pages.

A care note is never overwritten. A correction is a new row whose ``supersedes_id`` names
the row it corrects; a row is *current* while no other row supersedes it. Reads show
current rows, and the superseded history on request, each row with ``superseded_by_id``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..access import Actor
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Base, Client, Partnership
from ._reading import Page, count_rows, detach, paginate
from ._unit import session
from .access import (
    partnership_for,
    partnership_scope,
    record_denied,
    record_reads,
    touch_partnership,
)


def in_reach(
    session: Session,
    actor: Actor,
    model: Any,
    object_type: str,
    record_id: int,
    action: str,
    *,
    reading: bool = False,
) -> Any:
    """The care record ``record_id`` of a partnership the actor may reach (``reading``: a
    read, which a cover supervisor may make while covering an absence).

    Raises:
        NotFound: no such record, or its partnership is outside the actor's scope (the
            attempt is audited as denied).
    """
    found = session.execute(
        select(model, Partnership)
        .join(Partnership, Partnership.id == model.partnership_id)
        .where(model.id == record_id, partnership_scope(actor, reading=reading))
    ).first()
    if found is None:
        record_denied(actor, object_type, record_id, action)
        raise NotFound(f"No {object_type.replace('_', ' ')} {record_id} that you can reach.")
    row, partnership = found
    touch_partnership(actor, partnership, object_type, record_id, action)
    return row


def partnership_taking_records(
    actor: Actor,
    partnership_id: int,
    action: str,
    *,
    correcting: bool = False,
    lock: bool = False,
) -> Partnership:
    """The partnership a new care record is added to, within the actor's reach and open.

    Every service that adds a care record to a partnership goes through here. A closed
    partnership (ended, at a terminal stage, or of an erased client) takes no new records;
    a correction of an earlier record (``correcting``) is still accepted.

    Raises:
        NotFound: the partnership is outside the actor's scope (audited as denied).
        ValidationFailed: the partnership is closed and this is not a correction
            (``code="partnership_closed"``, naming ``partnership_id``; audited as refused).
    """
    from .partnerships import is_closed

    partnership = partnership_for(actor, partnership_id, action, lock=lock)
    if not correcting and is_closed(partnership):
        raise ValidationFailed(
            f"Partnership {partnership.id} is closed; it takes no new records. Corrections "
            "of its earlier records (with supersedes_id) are still accepted.",
            code="partnership_closed",
            fields={"partnership_id": [f"Partnership {partnership.id} is closed."]},
        )
    if correcting and partnership.ended_at is not None and _client_erased(partnership):
        raise ValidationFailed(
            f"Partnership {partnership.id} is of an erased client; it takes no care data, "
            "corrections included.",
            code="partnership_closed",
            fields={"partnership_id": [f"Partnership {partnership.id} is closed."]},
        )
    return partnership


def _client_erased(partnership: Partnership) -> bool:
    erased_at = session().scalar(select(Client.erased_at).where(Client.id == partnership.client_id))
    return erased_at is not None


def with_successor(model: Any) -> tuple[Select, Any]:
    """``SELECT row, id of the row superseding it (or NULL)`` for a supersedable model,
    and the successor's alias (to filter on ``successor.id IS NULL`` for current rows)."""
    successor = aliased(model)
    statement = select(model, successor.id).outerjoin(
        successor, successor.supersedes_id == model.id
    )
    return statement, successor


def annotate(rows: list[tuple[Any, int | None]]) -> list[Any]:
    """Rows from :func:`with_successor` with ``superseded_by_id`` set on each, as the API
    shows them."""
    annotated = []
    for row, successor_id in rows:
        row.superseded_by_id = successor_id
        annotated.append(row)
    return annotated


def check_supersedes(
    session: Session, model: Any, partnership_id: int, supersedes_id: int | None
) -> None:
    """A correction must name a current row of the same partnership.

    Raises:
        ValidationFailed: naming ``supersedes_id``, when the row is of another partnership,
            missing, or already corrected (the message names the correcting row).
    """
    if supersedes_id is None:
        return
    corrected = session.get(model, supersedes_id)
    if corrected is None or corrected.partnership_id != partnership_id:
        raise ValidationFailed(
            "A correction must name an entry of the same partnership.",
            fields={"supersedes_id": [f"No entry {supersedes_id} in this partnership."]},
        )
    successor = session.scalar(select(model.id).where(model.supersedes_id == supersedes_id))
    if successor is not None:
        raise ValidationFailed(
            "That entry has already been corrected; correct the newest entry instead.",
            fields={"supersedes_id": [f"Already corrected by entry {successor}."]},
        )


def add_record(session: Session, row: Base) -> None:
    """Insert a care record; two corrections of one entry racing each other end in 409.

    Raises:
        Conflict: the row it supersedes was corrected by a concurrent request.
    """
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            "That entry was corrected by another request at the same moment; "
            "read it again and correct the newest entry.",
            fields={"supersedes_id": ["Already corrected."]},
        ) from None


def audited_page(
    session: Session,
    actor: Actor,
    statement: Select,
    query: dict[str, Any],
    object_type: str,
    *,
    successors: bool = False,
) -> Page[Any]:
    """One page of ``statement`` (filtered and ordered), each row's read audited with one
    multi-row INSERT; with ``successors`` the statement is a :func:`with_successor` one."""
    page, page_size = query["page"], query["page_size"]
    if successors:
        total = count_rows(session, statement)
        window = statement.limit(page_size).offset((page - 1) * page_size)
        rows = annotate(list(session.execute(window)))
    else:
        rows, total = paginate(session, statement, page, page_size)
    record_reads(actor, object_type, [row.id for row in rows], "list")
    detach(session, rows)
    return Page(rows, page, page_size, total)
