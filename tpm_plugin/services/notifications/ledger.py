"""The send ledger: claiming a notification before it is sent, and marking it sent after.

Each step is its own committed transaction, so the claim survives the worker dying.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ...models import NotificationLedger
from ...models.base import utcnow
from .._unit import session, unit_of_work

SENDING = "sending"
SENT = "sent"
#: The contact loader knew no address: final, nothing to retry.
NO_CONTACT = "no_contact"


@dataclass(frozen=True)
class Claim:
    """A notification this caller may now send: its ledger row id and attempt number."""

    ledger_id: int
    attempt: int


def claim(
    kind: str,
    recipient_ref: str,
    occurrence: str,
    *,
    claimant: str,
    channel: str,
    lease: dt.timedelta,
) -> Claim | None:
    """Claim the notification (kind, recipient, occurrence) for ``claimant``, committed.

    Returns a :class:`Claim` when the caller should send: the notification is new; or a
    claim by the same claimant (a retry or requeue of the same rq job) was never marked
    sent; or another claimant's claim is older than ``lease`` (that worker vanished).
    Returns ``None`` when it was sent already, has no contact, or another job holds a
    fresh claim (that job, its retries or its requeue will finish it).
    """
    try:
        with unit_of_work():
            row = NotificationLedger(
                kind=kind,
                recipient_ref=recipient_ref,
                occurrence=occurrence,
                channel=channel,
                status=SENDING,
                claimed_by=claimant,
            )
            session().add(row)
            session().flush()
            return Claim(row.id, 1)
    except IntegrityError:
        pass
    now = utcnow()
    with unit_of_work():
        key = (
            NotificationLedger.kind == kind,
            NotificationLedger.recipient_ref == recipient_ref,
            NotificationLedger.occurrence == occurrence,
        )
        # One conditional UPDATE decides between racing claimants on both backends.
        taken = (
            session()
            .execute(
                update(NotificationLedger)
                .where(
                    *key,
                    NotificationLedger.status == SENDING,
                    or_(
                        NotificationLedger.claimed_by == claimant,
                        NotificationLedger.claimed_at < now - lease,
                    ),
                )
                .values(
                    claimed_by=claimant,
                    claimed_at=now,
                    attempts=NotificationLedger.attempts + 1,
                )
                .returning(NotificationLedger.id, NotificationLedger.attempts)
            )
            .first()
        )
        if taken is None:
            return None
        return Claim(taken.id, taken.attempts)


def finish(ledger_id: int, status: str) -> None:
    """Mark a claimed notification ``SENT`` (or ``NO_CONTACT``), committed."""
    with unit_of_work():
        row = session().get(NotificationLedger, ledger_id)
        row.status = status
        if status == SENT:
            row.sent_at = utcnow()


def ledger_status(kind: str, recipient_ref: str, occurrence: str) -> str | None:
    """The ledger's status of one notification, or ``None`` when never claimed."""
    return session().scalar(
        select(NotificationLedger.status).where(
            NotificationLedger.kind == kind,
            NotificationLedger.recipient_ref == recipient_ref,
            NotificationLedger.occurrence == occurrence,
        )
    )
