"""Dead letters: deliveries that passed their signature check but could not be opened.

Program managers list them (what went wrong, by field; never the body), fix the source's
mapping, and replay them; a replay that now fits opens the referral exactly as the first
delivery would have, and the delivery's stored answer becomes that one. Retention removes
dead letters older than ``TPM_INTAKE_DEAD_LETTER_DAYS`` (``flask tpm intake purge``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ...access import Actor
from ...errors import Conflict, NotFound
from ...models import IntakeDeadLetter, IntakeSource, WebhookDelivery, utcnow
from .._reading import Page, detach, order_by, paginate
from .._unit import session, unit_of_work
from ..access import ALLOWED, record_access, record_denied, record_reads
from ..workflow_versions import CommandLine
from .mapping import MappingFailed, map_referral
from .payloads import PayloadUnreadable, read_submission
from .receive import Answer, open_referral
from .sources import Operator, _manager


def list_dead_letters(actor: Operator | None, query: dict[str, Any]) -> Page[IntakeDeadLetter]:
    """One page of the dead letters of the sources the actor manages (reads audited).

    Filters: ``source_id``, ``status`` (``waiting`` or ``replayed``).
    """
    actor = _manager(actor, "list")
    statement = select(IntakeDeadLetter).join(
        IntakeSource, IntakeSource.id == IntakeDeadLetter.source_id
    )
    if isinstance(actor, Actor):
        statement = statement.where(IntakeSource.program_id.in_(sorted(actor.managed_program_ids)))
    for name in ("source_id", "status"):
        if query.get(name) is not None:
            statement = statement.where(getattr(IntakeDeadLetter, name) == query[name])
    statement = order_by(
        statement,
        query["sort"],
        {"id": IntakeDeadLetter.id, "received_at": IntakeDeadLetter.received_at},
        IntakeDeadLetter.id,
    )
    with unit_of_work() as unit:
        rows, total = paginate(unit.session, statement, query["page"], query["page_size"])
        if isinstance(actor, Actor):
            record_reads(actor, "intake_dead_letter", [row.id for row in rows], "list")
        detach(unit.session, rows)
    return Page(rows, query["page"], query["page_size"], total)


def replay_dead_letter(actor: Operator | None, dead_letter_id: int) -> Answer:
    """Run a waiting dead letter through its source's current mapping again.

    Returns:
        the answer the delivery now has (201 with the ids), also stored for its repeats.

    Raises:
        NotFound: no such dead letter in a program the actor manages.
        Conflict: it was replayed already.
        MappingFailed / PayloadUnreadable: it still does not fit (its problems are updated).
    """
    actor = _manager(actor, "replay")
    with unit_of_work() as unit:
        letter, source = _letter_and_source(actor, dead_letter_id)
        if letter.status != "waiting":
            raise Conflict(
                f"Dead letter {dead_letter_id} was replayed already; it opened client "
                f"{letter.client_id}.",
                code="already_replayed",
            )
        if isinstance(actor, Actor):
            record_access(actor, "intake_dead_letter", letter.id, "replay", ALLOWED)
        detach(unit.session, [letter, source])
    try:
        submission = read_submission(
            source.kind, letter.body or b"", letter.content_type, letter.delivery_id
        )
        referral = map_referral(source.mapping, submission.answers, utcnow().date())
    except (MappingFailed, PayloadUnreadable) as error:
        _still_failing(letter.id, error.fields)
        raise
    try:
        return open_referral(source, submission, referral, replaying=letter)
    except IntegrityError:
        raise Conflict(
            f"Dead letter {dead_letter_id} is being replayed by another request.",
            code="replay_in_progress",
        ) from None


def purge_dead_letters(older_than: dt.timedelta | None = None) -> int:
    """Delete dead letters received longer ago than ``older_than`` (default:
    ``TPM_INTAKE_DEAD_LETTER_DAYS``), with their stored delivery answers.

    Returns:
        how many were deleted.
    """
    if older_than is None:
        older_than = dt.timedelta(days=current_app.config["TPM_INTAKE_DEAD_LETTER_DAYS"])
    cutoff = utcnow() - older_than
    with unit_of_work() as unit:
        old = unit.session.execute(
            select(IntakeDeadLetter.id, IntakeSource.key, IntakeDeadLetter.delivery_id)
            .join(IntakeSource, IntakeSource.id == IntakeDeadLetter.source_id)
            .where(IntakeDeadLetter.received_at < cutoff)
        ).all()
        for _, key, delivery_id in old:
            unit.session.execute(
                delete(WebhookDelivery).where(
                    WebhookDelivery.source == key,
                    WebhookDelivery.delivery_id == delivery_id,
                    WebhookDelivery.status == "dead_letter",
                )
            )
        if old:
            unit.session.execute(
                delete(IntakeDeadLetter).where(IntakeDeadLetter.id.in_([row[0] for row in old]))
            )
    return len(old)


def _letter_and_source(
    actor: Operator, dead_letter_id: int
) -> tuple[IntakeDeadLetter, IntakeSource]:
    current = session()
    row = current.execute(
        select(IntakeDeadLetter, IntakeSource)
        .join(IntakeSource, IntakeSource.id == IntakeDeadLetter.source_id)
        .where(IntakeDeadLetter.id == dead_letter_id)
    ).first()
    if row is None or (
        isinstance(actor, Actor) and row[1].program_id not in actor.managed_program_ids
    ):
        if not isinstance(actor, CommandLine):
            record_denied(actor, "intake_dead_letter", dead_letter_id, "replay")
        raise NotFound(f"No dead letter {dead_letter_id} in a program you manage.")
    return row[0], row[1]


def _still_failing(dead_letter_id: int, problems: dict[str, list[str]]) -> None:
    with unit_of_work() as unit:
        letter = unit.session.get(IntakeDeadLetter, dead_letter_id)
        letter.problems = problems
