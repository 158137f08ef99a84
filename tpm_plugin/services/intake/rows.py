"""The rows a new referral writes: its client, partnership and intake record, their
access-audit rows and the outbox message, built once for either way of writing them
(flushed one by one, or kept for one statement with the delivery's claim)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from ...access import Actor
from ...models import Client, IntakeRecord, IntakeSource, OutboxMessage, Partnership, utcnow
from ...signals import intake_received, partnership_created
from .._batch import Row
from ..access import ALLOWED, access_row
from .mapping import Referral
from .opening import Opening, is_minor
from .payloads import Submission

#: The job the outbox names when a referral arrived (ids only), for the jobs that greet it.
INTAKE_RECEIVED_JOB = "tpm.intake_received"

#: The role a source's deliveries are audited under (``actor_role``, beside the actor
#: ``intake-source:<id>``, :func:`intake_actor`): a source holds none of the people's roles,
#: and its rows carry the source's program, so that program's trail shows what arrived.
INTAKE_ROLE = "intake_source"


def flush_row(session: Session, row: Row) -> Any:
    """Add ``row`` to the session and flush it; returns the id the flush gave it."""
    if isinstance(row, tuple):
        model, values = row
        row = model(**values)
    session.add(row)
    session.flush()
    return row.id


def keep_row(rows: list[Row], row: Row) -> Any:
    """Keep ``row`` for one statement with the rest; returns the id it was given."""
    rows.append(row)
    return row[1].get("id") if isinstance(row, tuple) else row.id


def new_referral(
    source: IntakeSource,
    submission: Submission,
    referral: Referral,
    opening: Opening,
    write: Callable[[Row], Any],
) -> tuple[dict[str, Any], list[tuple[Any, dict[str, Any]]]]:
    """Build the rows of a new referral (client, partnership, intake record, their audit,
    the outbox message), handing each to ``write`` in order (:func:`flush_row` or
    :func:`keep_row`); returns the body of the 201 answer and the signals to send after
    commit.

    ``write`` returns the row's id: it either flushes the row (which gives it its id, for
    the rows after it) or, when ``opening`` carries the ids already, keeps it for one
    statement with the rest. Rows are models with their values where nothing needs an
    ORM object (a flush builds one; the one statement does not).
    """
    now = utcnow()
    client_id = write(
        (
            Client,
            {
                "id": opening.client_id,
                "program_id": source.program_id,
                "display_name": referral.display_name,
                "date_of_birth": referral.date_of_birth,
                "is_minor": is_minor(referral.date_of_birth, now.date()),
                "guardian_name": referral.guardian_name,
                "guardian_contact": referral.guardian_contact,
                "preferred_language": referral.preferred_language,
                "consent_given_by": referral.consent_given_by,
                "consent_given_at": now if referral.consent_given_by else None,
            },
        )
    )
    partnership_id = write(
        (
            Partnership,
            {
                "id": opening.partnership_id,
                "program_id": source.program_id,
                "client_id": client_id,
                "stage": opening.stage,
                "workflow_key": opening.workflow_key,
                "workflow_version": opening.workflow_version,
                "stage_entered_at": now,
                "started_at": now,
            },
        )
    )
    record_id = write(
        (
            IntakeRecord,
            {
                "id": opening.record_id,
                "source_id": source.id,
                "submission_id": submission.submission_id,
                "version": submission.version,
                "client_id": client_id,
                "partnership_id": partnership_id,
                "received_at": now,
                "possible_duplicate_client_ids": opening.duplicates or None,
                **record_fields(submission, referral),
            },
        )
    )
    actor = intake_actor(source)
    for object_type, object_id in (
        ("client", client_id),
        ("partnership", partnership_id),
        ("intake_record", record_id),
    ):
        write(
            access_row(
                actor,
                object_type,
                object_id,
                "create",
                ALLOWED,
                role=INTAKE_ROLE,
                program_id=source.program_id,
                partnership_id=partnership_id,
            )
        )
    ids = {
        "source_id": source.id,
        "intake_record_id": record_id,
        "client_id": client_id,
        "partnership_id": partnership_id,
        "program_id": source.program_id,
    }
    write(
        (
            OutboxMessage,
            {
                "job_name": INTAKE_RECEIVED_JOB,
                "payload": ids,
                "dedupe_key": f"intake-received:{record_id}",
                "available_at": now,
            },
        )
    )
    stage = opening.stage
    body = {**ids, "stage": stage, "possible_duplicate_client_ids": opening.duplicates}
    signals = [
        (
            partnership_created,
            {"partnership_id": partnership_id, "program_id": source.program_id, "stage": stage},
        ),
        (intake_received, ids),
    ]
    return body, signals


def record_fields(submission: Submission, referral: Referral) -> dict[str, Any]:
    """The intake record's columns that a newer Cognito version replaces."""
    return {
        "answers": submission.answers,
        "school": referral.school,
        "referral_reason": referral.referral_reason,
        "consent": referral.consent,
    }


def intake_actor(source: IntakeSource) -> Actor:
    """Who the access audit names for what a source's deliveries do."""
    return Actor(user_id=f"intake-source:{source.id}")
