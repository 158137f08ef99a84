"""A program manager's decision on a referral flagged as a possible duplicate.

Intake never merges clients (:mod:`.opening` only flags look-alikes). A manager who has
checked with the people involved resolves the flag one of two ways:

- ``distinct``: a different person. Nothing moves; the flag is kept, marked resolved by
  whom and when, and the record leaves the review list.
- ``same``: the same person as one of the flagged clients. The referral's partnership moves
  to that client, the referral's intake record (and any dead letter that became it) points
  at them, and the client row the referral had opened, left without partnerships, is
  removed. Nothing of the removed row is copied onto the kept client: the referral's
  answers stay on its intake record, and are erased with the kept client. Other records
  still waiting for a decision flag the kept client instead of the removed one, and the
  answers stored for repeated deliveries of these records name the clients as they are now.

One transaction, one access-audit row (the intake record, ``resolve_duplicate``), and
``possible_duplicate_resolved`` after commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...access import Actor
from ...errors import Conflict, NotFound, ValidationFailed
from ...models import (
    Client,
    IntakeDeadLetter,
    IntakeRecord,
    IntakeSource,
    OutboxMessage,
    Partnership,
    utcnow,
)
from ...schemas.intake_review import DUPLICATE_DECISIONS
from ...signals import possible_duplicate_resolved
from .._unit import session, unit_of_work
from ..access import ALLOWED, record_denied, touch
from ..partnerships import _one_open_per_client
from ..workflow_versions._access import actor_id
from .flags import flagged_ids, replace_flagged_client
from .sources import Operator, _manager
from .stored_answers import refresh_stored_answers

DISTINCT, SAME = DUPLICATE_DECISIONS
_ACTION = "resolve_duplicate"


@dataclass(frozen=True)
class Resolution:
    """What a resolution did: the record's client now, and the client removed (``same``)."""

    intake_record_id: int
    decision: str
    client_id: int
    partnership_id: int
    replaced_client_id: int | None


def resolve_possible_duplicate(
    actor: Operator | None,
    intake_record_id: int,
    decision: str,
    same_as_client_id: int | None = None,
    *,
    another_open_reason: str | None = None,
) -> Resolution:
    """Resolve the possible-duplicate flag of intake record ``intake_record_id``.

    Args:
        decision: ``distinct`` (a different person) or ``same`` (the person is
            ``same_as_client_id``, one of the clients the record flagged).
        another_open_reason: for ``same``, why the kept client may have two open
            partnerships in the program, when they have one already (the rule of
            :func:`tpm_plugin.services.partnerships.create_partnership`).

    Raises:
        Unauthenticated / Forbidden: nobody, or not a program manager.
        NotFound: no such intake record in a program the actor manages.
        Conflict: the record flagged nothing, was resolved already, or (``same``) its client
            has been erased or has partnerships besides the referral's.
        ValidationFailed: an unknown decision; ``same_as_client_id`` missing for ``same``,
            given for ``distinct``, not one of the flagged clients, erased, or already
            holding an open partnership without ``another_open_reason`` (nothing written).
    """
    manager = _manager(actor, _ACTION)
    _check_arguments(decision, same_as_client_id)
    app = current_app._get_current_object()
    with unit_of_work() as unit:
        record, program_id = _flagged_record(manager, intake_record_id)
        flagged = flagged_ids(record)
        if not flagged:
            raise Conflict(
                f"Intake record {intake_record_id} flagged no possible duplicate.",
                code="not_flagged",
            )
        if record.duplicates_resolved_at is not None:
            raise Conflict(
                f"Intake record {intake_record_id} was resolved already "
                f"({record.duplicates_decision}).",
                code="already_resolved",
            )
        replaced = None
        if decision == SAME:
            assert same_as_client_id is not None  # _check_arguments
            replaced = _move_to(
                unit.session, record, program_id, flagged, same_as_client_id, another_open_reason
            )
        record.duplicates_decision = decision
        record.duplicates_resolved_by = actor_id(manager)
        record.duplicates_resolved_at = utcnow()
        resolution = Resolution(
            record.id, decision, record.client_id, record.partnership_id, replaced
        )
        payload = {**resolution.__dict__, "program_id": program_id}
        unit.after_commit(lambda: possible_duplicate_resolved.send(app, **payload))
    return resolution


def _check_arguments(decision: str, same_as_client_id: int | None) -> None:
    problems: dict[str, list[str]] = {}
    if decision not in DUPLICATE_DECISIONS:
        problems["decision"] = [f"Must be one of: {', '.join(DUPLICATE_DECISIONS)}."]
    elif decision == SAME and same_as_client_id is None:
        problems["same_as_client_id"] = [
            "Name the flagged client the referral's client is the same person as."
        ]
    elif decision == DISTINCT and same_as_client_id is not None:
        problems["same_as_client_id"] = [
            "Only with decision 'same'; leave it out when the clients are different people."
        ]
    if problems:
        raise ValidationFailed("The resolution is not usable.", fields=problems)


def _flagged_record(actor: Operator, intake_record_id: int) -> tuple[IntakeRecord, int]:
    current = session()
    row = current.execute(
        select(IntakeRecord, IntakeSource.program_id)
        .join(IntakeSource, IntakeSource.id == IntakeRecord.source_id)
        .where(IntakeRecord.id == intake_record_id)
        .with_for_update(of=IntakeRecord)
    ).first()
    if row is None or (isinstance(actor, Actor) and row[1] not in actor.managed_program_ids):
        if isinstance(actor, Actor):
            record_denied(actor, "intake_record", intake_record_id, _ACTION)
        raise NotFound(f"No intake record {intake_record_id} in a program you manage.")
    record, program_id = row
    if isinstance(actor, Actor):
        # The unit writes this row as refused if the resolution fails from here on.
        touch(
            actor,
            "intake_record",
            record.id,
            _ACTION,
            ALLOWED,
            program_id=program_id,
            partnership_id=record.partnership_id,
        )
    return record, program_id


def _move_to(
    current: Session,
    record: IntakeRecord,
    program_id: int,
    flagged: list[int],
    kept_id: int,
    another_open_reason: str | None,
) -> int:
    """Move the referral to client ``kept_id`` and remove the client it had opened;
    returns the removed client's id."""
    field = "same_as_client_id"
    if kept_id not in flagged:
        raise ValidationFailed(
            f"Client {kept_id} is not one intake record {record.id} flagged.",
            fields={field: [f"Must be one of the flagged clients: {flagged}."]},
        )
    # Records before clients: a resolution locks its record, then the newer records that
    # flag its client, then clients, so two resolutions never wait on each other in a cycle.
    repointed = replace_flagged_client(current, program_id, record.client_id, kept_id)
    opened = current.get(Client, record.client_id, with_for_update=True)
    kept = current.get(Client, kept_id, with_for_update=True)
    if kept is None or kept.program_id != program_id or kept.erased_at is not None:
        raise ValidationFailed(
            f"Client {kept_id} is no longer a client of program {program_id}.",
            fields={
                field: [
                    f"Client {kept_id} was erased, removed as the duplicate of another "
                    "referral, or is in another program; choose another flagged client."
                ]
            },
        )
    if opened.erased_at is not None:
        raise Conflict(
            f"Client {opened.id} of intake record {record.id} was erased; only "
            "'distinct' can resolve it now.",
            code="client_erased",
        )
    partnerships = current.scalars(
        select(Partnership).where(Partnership.client_id == opened.id).with_for_update()
    ).all()
    if [p.id for p in partnerships] != [record.partnership_id]:
        others = sorted(p.id for p in partnerships if p.id != record.partnership_id)
        raise Conflict(
            f"Client {opened.id} has partnerships {others} besides the referral's; move or "
            "close them first, since only the referral's partnership is moved.",
            code="client_has_other_partnerships",
        )
    [partnership] = partnerships
    if partnership.ended_at is None:
        _one_open_to(current, program_id, kept_id, another_open_reason)
        if another_open_reason:
            partnership.another_open_reason = another_open_reason
    partnership.client_id = kept_id
    record.client_id = kept_id
    record.replaced_client_id = opened.id
    current.execute(
        update(IntakeDeadLetter)
        .where(IntakeDeadLetter.client_id == opened.id)
        .values(client_id=kept_id),
        execution_options={"synchronize_session": False},
    )
    _repoint_greeting(current, record.id, kept_id)
    current.flush()
    current.delete(opened)
    current.flush()
    refresh_stored_answers(current, [record, *repointed])
    return opened.id


def _one_open_to(
    current: Session, program_id: int, kept_id: int, another_open_reason: str | None
) -> None:
    data = {"client_id": kept_id, "another_open_reason": another_open_reason}
    try:
        _one_open_per_client(current, program_id, data)
    except ValidationFailed as refused:
        # The same rule as opening a partnership by hand; here the client is named by
        # ``same_as_client_id``.
        raise ValidationFailed(
            refused.message,
            fields={
                "same_as_client_id": refused.fields["client_id"],
                "another_open_reason": ["Say why the client needs a second open partnership."],
            },
        ) from None


def _repoint_greeting(current: Session, record_id: int, kept_id: int) -> None:
    # The job that greets the referral has not run yet: it should find the kept client.
    message = current.scalars(
        select(OutboxMessage).where(
            OutboxMessage.dedupe_key == f"intake-received:{record_id}",
            OutboxMessage.relayed_at.is_(None),
        )
    ).first()
    if message is not None:
        message.payload = {**message.payload, "client_id": kept_id}
