"""Keeping the answers stored for repeated deliveries true to what exists now.

A form service that retries a delivery gets the first answer again (:mod:`.receive` stores
it on the delivery's row). When a manager's decision changes what an intake record's
answer named (its client removed as a duplicate, a flagged client replaced),
:func:`refresh_stored_answers` rewrites, in the caller's transaction, the answers of every
delivery that opened or updated the record: the ids they name change, their status code
and shape do not.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import IntakeRecord, IntakeSource, WebhookDelivery
from .flags import flagged_ids

_FLAGGED = "possible_duplicate_client_ids"


def refresh_stored_answers(current: Session, records: Sequence[IntakeRecord]) -> int:
    """Make the stored answers naming any of ``records`` name each record's client and
    flagged clients as they are now (a record's own client is never among its flagged).

    Returns:
        how many deliveries' answers were rewritten.
    """
    by_id = {record.id: record for record in records}
    if not by_id:
        return 0
    keys = select(IntakeSource.key).where(
        IntakeSource.id.in_(sorted({r.source_id for r in records}))
    )
    # The answer is the only link from a delivery to the record it opened (or updated, for
    # Cognito's new versions, or opened once its dead letter was replayed): scan the
    # sources' deliveries for it. A manager's decision is rare; a delivery is not.
    named = WebhookDelivery.response_body["intake_record_id"].as_integer()
    deliveries = current.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.source.in_(keys), named.in_(sorted(by_id)))
        .order_by(WebhookDelivery.id)
        .with_for_update()
    ).all()
    for delivery in deliveries:
        body = dict(delivery.response_body or {})
        record = by_id[int(body["intake_record_id"])]
        body["client_id"] = record.client_id
        body["partnership_id"] = record.partnership_id
        if _FLAGGED in body:
            body[_FLAGGED] = [i for i in flagged_ids(record) if i != record.client_id]
        delivery.response_body = body  # a new dict: a JSON column sees no change in place
    return len(deliveries)
