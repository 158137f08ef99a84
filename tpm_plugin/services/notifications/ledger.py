"""The send ledger: claiming a notification before it is sent, and marking it sent after.

Each step is its own committed transaction, so the claim survives the worker dying.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select, update
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
    holder_is_over: Callable[[str], bool] = lambda holder: False,
) -> Claim | None:
    """Claim the notification (kind, recipient, occurrence) for ``claimant``, committed.

    Returns a :class:`Claim` when the caller should send: the notification is new; or its
    unfinished claim is held by ``claimant`` itself, or by a holder ``holder_is_over`` says
    is over (an earlier, dead run of the same rq job: its retry resumes), or by anyone
    longer than ``lease`` (that worker vanished). Returns ``None`` when it was sent already,
    has no contact, or another claimant holds a live claim (a concurrent run, even of the
    same job id: it finishes the send, or its retry does).

    Two callers taking over one claim at once: the takeover is a conditional UPDATE on the
    holder read, so exactly one of them gets it.
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
    with unit_of_work():
        held = (
            session()
            .execute(
                select(
                    NotificationLedger.id,
                    NotificationLedger.claimed_by,
                    NotificationLedger.claimed_at,
                ).where(
                    NotificationLedger.kind == kind,
                    NotificationLedger.recipient_ref == recipient_ref,
                    NotificationLedger.occurrence == occurrence,
                    NotificationLedger.status == SENDING,
                )
            )
            .first()
        )
    now = utcnow()
    if held is None or not (
        held.claimed_by == claimant
        or held.claimed_at < now - lease
        # Asked last: it looks the holder up in Redis.
        or holder_is_over(held.claimed_by)
    ):
        return None
    with unit_of_work():
        # Compare-and-set on the holder read: of two callers that both judged it over (or
        # its lease run out), the first to update wins and the other matches no row.
        taken = (
            session()
            .execute(
                update(NotificationLedger)
                .where(
                    NotificationLedger.id == held.id,
                    NotificationLedger.status == SENDING,
                    NotificationLedger.claimed_by == held.claimed_by,
                    NotificationLedger.claimed_at == held.claimed_at,
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
