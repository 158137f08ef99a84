"""Receiving a verified delivery: one referral opens one client and one partnership.

In one transaction: the delivery id is claimed (unique per source, so a repeat, sequential
or concurrent, gets the first answer and creates nothing), then the client (possible
duplicates flagged, never merged), a partnership at the start stage of the program's
workflow, the intake record with the answers, an access-audit row per record and an outbox
row for the jobs, with a request to place the program's week of supervision again
(:mod:`..supervision_placement.requests`). ``intake_received`` and ``partnership_created``
are sent after commit.

A delivery whose answers do not fit the mapping is kept as a dead letter and answered 422;
its repeats get the same 422 until a manager replays it (:mod:`.dead_letters`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...errors import TPMError
from ...models import (
    IntakeDeadLetter,
    IntakeRecord,
    IntakeSource,
    WebhookDelivery,
    utcnow,
)
from .._batch import Row, insert_together, writes_in_one_round_trip
from .._unit import unit_of_work
from ..access import touch
from ..supervision_placement.requests import replacement_cte, request_replacement
from .mapping import MappingFailed, Referral, map_referral
from .opening import (
    NotPublishedYet,
    host_engine,
    look_up,
    look_up_and_reserve,
    statements_commit_themselves,
)
from .payloads import PayloadUnreadable, Submission, read_submission
from .rows import INTAKE_ROLE, flush_row, intake_actor, keep_row, new_referral, record_fields
from .sources import SourceChanged, confirm_current


@dataclass(frozen=True)
class Answer:
    """What the endpoint answers a delivery with (the same for every repeat)."""

    status: int
    body: dict[str, Any]


def receive(
    source: IntakeSource,
    body: bytes,
    content_type: str,
    webhook_id: str | None,
    *,
    kept: bool = False,
) -> Answer:
    """Open the referral a verified delivery carries, once per delivery id.

    Args:
        source: the (detached) source the delivery was verified for.
        body: the raw body.
        content_type: the request's Content-Type.
        webhook_id: the ``webhook-id`` header, for Standard Webhooks and Google Forms.
        kept: ``source`` was kept in memory, not loaded in this transaction: its version is
            checked before anything is written (folded into the statement that reserves
            the new ids on PostgreSQL's common path, one statement of its own otherwise).

    Returns:
        201 with the new ids; 200 for a Cognito re-post (``updated`` or ``ignored``); the
        first answer again for a repeated delivery id; 400/422 for a dead-lettered one.

    Raises:
        SourceChanged: ``kept`` and the source has changed or been switched off since.
    """
    batched = writes_in_one_round_trip(host_engine())
    folded = kept and batched and source.kind != "cognito"
    if kept and not folded:
        confirm_current(source)
    try:
        submission = read_submission(source.kind, body, content_type, webhook_id)
    except PayloadUnreadable as error:
        if folded:
            confirm_current(source)
        return _dead_letter(
            source, _fallback_delivery_id(body, webhook_id), content_type, body, error
        )
    try:
        referral = map_referral(source.mapping, submission.answers, utcnow().date())
    except MappingFailed as error:
        if folded:
            confirm_current(source)
        return _dead_letter(source, submission.delivery_id, content_type, body, error)
    try:
        return open_referral(source, submission, referral, batched=batched)
    except IntegrityError:
        # This delivery id was answered before (or concurrently, and that request has
        # committed): everything this request wrote is rolled back; answer as it did. A new
        # delivery id for a submission already opened is answered with what it opened.
        return (
            _stored_answer(source.key, submission.delivery_id)
            or _already_opened(source, submission.submission_id)
            or Answer(409, _busy())
        )


def open_referral(
    source: IntakeSource,
    submission: Submission,
    referral: Referral,
    *,
    replaying: IntakeDeadLetter | None = None,
    batched: bool | None = None,
) -> Answer:
    """Open (or, for a newer Cognito version, update) the referral, and claim the delivery
    id with its answer.

    The claim is the transaction's last write (on PostgreSQL, part of the one statement
    that writes every row): a repeat (sequential, or concurrent and waiting on the unique
    index on PostgreSQL) fails there and rolls back all it wrote, so the cheap path of
    every new delivery costs no extra look-up.

    Args:
        replaying: the dead letter being replayed; its delivery row is updated rather than
            claimed, and it is marked replayed in the same transaction.
        batched: whether the database writes every row in one statement, when the caller
            knows already (``None``: asked here).

    Raises:
        IntegrityError: the delivery id was answered already (the caller answers with the
            stored answer).
        SourceChanged: the source has changed or been switched off since it was loaded
            (checked on PostgreSQL's common path, in the statement that reserves the ids).
    """
    if batched is None:
        batched = writes_in_one_round_trip(host_engine())
    if batched and replaying is None and source.kind != "cognito":
        answer = _open_in_two_statements(source, submission, referral)
        if answer is not None:
            return answer
    return _open_referral(source, submission, referral, replaying, batched)


def _open_in_two_statements(
    source: IntakeSource, submission: Submission, referral: Referral
) -> Answer | None:
    """The common path on PostgreSQL, when nothing ran in the session's transaction yet (a
    kept source): one statement looks up and takes the ids, one writes every row, the
    delivery's claim included, each committing on its own. The first only reads (and takes
    ids, which no rollback returns anyway); the second is every write at once, so it is
    the delivery's one transaction, and it needs no BEGIN or COMMIT round trip, nor the
    session's unit of work around it. ``None`` when this path cannot be taken (a
    transaction is open, or no workflow version is published yet: the shipped one is then
    published with the referral, in one transaction of the row-by-row kind)."""
    with statements_commit_themselves() as alone:
        if alone is None:
            return None
        try:
            answer, signals = _write_at_once(alone, source, submission, referral, may_publish=False)
        except NotPublishedYet:
            return None
    # As a unit of work's callbacks: once the statement has committed (and the connection
    # is back in the pool, for a receiver that reads).
    app = current_app._get_current_object()
    for signal, payload in signals:
        signal.send(app, **payload)
    return answer


def _open_referral(
    source: IntakeSource,
    submission: Submission,
    referral: Referral,
    replaying: IntakeDeadLetter | None,
    batched: bool,
) -> Answer:
    app = current_app._get_current_object()
    with unit_of_work() as unit:
        # Only Cognito Forms re-posts one submission as new versions; for every other kind
        # the unique (source, submission) index alone refuses a second record.
        record = (
            _submission_record(unit.session, source.id, submission.submission_id)
            if source.kind == "cognito"
            else None
        )
        if record is not None:
            answer = _revise(unit.session, source, record, submission, referral)
            _claim(unit.session, source.key, submission.delivery_id, answer, replaying)
        elif replaying is None and batched:
            # PostgreSQL, inside a transaction: the same two statements, in it.
            answer, signals = _write_at_once(
                unit.session, source, submission, referral, may_publish=True
            )
        else:
            opening = look_up(unit.session, source.program_id, referral)
            body, signals = new_referral(
                source, submission, referral, opening, partial(flush_row, unit.session)
            )
            answer = Answer(201, body)
            _claim(unit.session, source.key, submission.delivery_id, answer, replaying)
            request_replacement(source.program_id)
        if record is None:
            for signal, payload in signals:
                unit.after_commit(lambda s=signal, p=payload: s.send(app, **p))
        if replaying is not None:
            letter = unit.session.get(IntakeDeadLetter, replaying.id)
            letter.status = "replayed"
            letter.replayed_at = utcnow()
            letter.client_id = answer.body.get("client_id")
            letter.body = None  # the intake record keeps the answers now
    return answer


def _write_at_once(
    run: Session | Connection,
    source: IntakeSource,
    submission: Submission,
    referral: Referral,
    *,
    may_publish: bool,
) -> tuple[Answer, list[tuple[Any, dict[str, Any]]]]:
    # Two statements: the look-up that reserves the ids, then every row and the claim.
    opening = look_up_and_reserve(run, source, referral, may_publish=may_publish)
    if opening.source_version != source.version_id:
        raise SourceChanged(source.key)
    rows: list[Row] = []
    body, signals = new_referral(source, submission, referral, opening, partial(keep_row, rows))
    answer = Answer(201, body)
    claim = (
        WebhookDelivery,
        {"source": source.key, "delivery_id": submission.delivery_id, **_answered(answer)},
    )
    insert_together(run, [*rows, claim], replacement_cte(source.program_id))
    return answer, signals


def _claim(
    session: Session,
    source_key: str,
    delivery_id: str,
    answer: Answer,
    replaying: IntakeDeadLetter | None,
) -> None:
    if replaying is not None:
        delivery = session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.source == source_key, WebhookDelivery.delivery_id == delivery_id)
            .with_for_update()
        ).first()
        if delivery is not None:
            for name, value in _answered(answer).items():
                setattr(delivery, name, value)
            delivery.attempts += 1
            return
    session.add(_delivery(source_key, delivery_id, answer))
    session.flush()  # a repeat fails here (on PostgreSQL, once the first has committed)


def _delivery(source_key: str, delivery_id: str, answer: Answer) -> WebhookDelivery:
    return WebhookDelivery(source=source_key, delivery_id=delivery_id, **_answered(answer))


def _answered(answer: Answer) -> dict[str, Any]:
    return {
        "status": "processed",
        "response_status": answer.status,
        "response_body": answer.body,
        "processed_at": utcnow(),
    }


def _revise(
    session: Session,
    source: IntakeSource,
    record: IntakeRecord,
    submission: Submission,
    referral: Referral,
) -> Answer:
    ids = _record_ids(source, record)
    if submission.version <= record.version or record.answers is None:
        # An older (or the same) version, or the client was erased since: keep what is held.
        return Answer(200, {**ids, "outcome": "ignored"})
    for name, value in record_fields(submission, referral).items():
        setattr(record, name, value)
    record.version = submission.version
    record.updated_at = utcnow()
    touch(
        intake_actor(source),
        "intake_record",
        record.id,
        "update",
        role=INTAKE_ROLE,
        program_id=source.program_id,
        partnership_id=record.partnership_id,
    )
    return Answer(200, {**ids, "outcome": "updated"})


def _submission_record(session: Session, source_id: int, submission_id: str) -> IntakeRecord | None:
    return session.scalars(
        select(IntakeRecord)
        .where(IntakeRecord.source_id == source_id, IntakeRecord.submission_id == submission_id)
        .with_for_update()
    ).first()


def _already_opened(source: IntakeSource, submission_id: str) -> Answer | None:
    with unit_of_work() as unit:
        record = _submission_record(unit.session, source.id, submission_id)
        if record is None:
            return None
        ids = _record_ids(source, record)
    return Answer(200, {**ids, "outcome": "ignored"})


def _record_ids(source: IntakeSource, record: IntakeRecord) -> dict[str, int]:
    return {
        "source_id": source.id,
        "intake_record_id": record.id,
        "client_id": record.client_id,
        "partnership_id": record.partnership_id,
    }


def _stored_answer(source_key: str, delivery_id: str) -> Answer | None:
    with unit_of_work() as unit:
        row = unit.session.execute(
            select(WebhookDelivery.response_status, WebhookDelivery.response_body).where(
                WebhookDelivery.source == source_key, WebhookDelivery.delivery_id == delivery_id
            )
        ).first()
    if row is None or row.response_status is None:
        return None
    return Answer(row.response_status, row.response_body)


def _dead_letter(
    source: IntakeSource, delivery_id: str, content_type: str, body: bytes, error: TPMError
) -> Answer:
    """Keep a delivery that cannot be opened, answering with ``error`` (and the same answer
    to its repeats)."""
    stored = _stored_answer(source.key, delivery_id)
    if stored is not None:
        return stored
    try:
        with unit_of_work() as unit:
            letter = IntakeDeadLetter(
                source_id=source.id,
                delivery_id=delivery_id,
                content_type=content_type[:200],
                body=body,
                problems=error.fields,
            )
            unit.session.add(letter)
            unit.session.flush()
            answer = error.to_dict()
            answer["error"]["dead_letter_id"] = letter.id
            unit.session.add(
                WebhookDelivery(
                    source=source.key,
                    delivery_id=delivery_id,
                    status="dead_letter",
                    response_status=error.status,
                    response_body=answer,
                    processed_at=utcnow(),
                )
            )
    except IntegrityError:
        return _stored_answer(source.key, delivery_id) or Answer(409, _busy())
    return Answer(error.status, answer)


def _fallback_delivery_id(body: bytes, webhook_id: str | None) -> str:
    return webhook_id or f"sha256:{hashlib.sha256(body).hexdigest()}"


def _busy() -> dict[str, Any]:
    return TPMError(
        "This delivery is being processed by another request; retry shortly.",
        status=409,
        code="delivery_in_progress",
    ).to_dict()
