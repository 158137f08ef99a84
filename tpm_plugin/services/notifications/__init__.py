"""Notifying a person once: the send ledger, the message template and the notifier.

:func:`send_once` is the only way the plugin notifies anyone. Its ordering, and what it
promises:

1. **Claim** (committed): insert the ledger row (kind, recipient, occurrence) as
   "sending", held by the running *run* of the rq job (its job id, rq's execution id, a
   nonce: :mod:`.claimant`). A row already "sent" means: send nothing.
2. **Send** through the configured notifier, with a key fixed for this notification.
3. **Mark sent** (committed).

Who may take over an unfinished claim (one conditional UPDATE on the holder read, so of
two runs taking it over at once exactly one does):

* the run holding it (sending again after a failure it caught);
* a later run of the *same job id* once the holding run is known over: rq no longer lists
  it as started (rq's handling of a killed work horse, or its cleanup of an expired run,
  removed it). So a retry of a killed worker's job resumes the claim and the message still
  goes out; but a second run of the same job id going at the same time (the sweep booked
  again a job a worker had just popped, see :mod:`tpm_plugin.jobs.booking`) sends nothing;
* anyone, once the claim is older than ``TPM_NOTIFICATION_CLAIM_SECONDS`` (a worker that
  vanished without rq noticing).

Killed between 2 and 3, the retry sends again with the *same key* (the webhook's
``webhook-id``, the e-mail's ``Message-ID``), and the receiver drops the repeat, so it is
delivered exactly once wherever the receiver honours the key (Standard Webhooks receivers
must); the log notifier may log it twice. So: at least once to the notifier in that one
narrow window, exactly once to an idempotent receiver, never twice after "sent", and never
by two live runs of one job at once.

Left open: a claim taken while two runs of its job were going names no rq execution (which
of them is the caller cannot be told), so should its run die, a later run resumes it only
when no other run of that job is going; two going then both leave it, and it waits for the
job's next run (a retry or a requeue: the sweep does not book a finished job again).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from flask import current_app

from ...contacts import RECIPIENT_ROLES
from ...notifiers import Message
from . import ledger
from .claimant import current_claimant, run_is_over
from .messages import check_context, render_message

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def send_once(
    kind: str,
    person_id: int,
    occurrence: str,
    *,
    role: str,
    template: str,
    context: Mapping[str, Any],
) -> bool:
    """Notify one person of one occurrence, once, however often this is called.

    Call it from a job, outside any open transaction: it commits its own ledger rows.

    Args:
        kind: what the notification is about (``"meeting_reminder"``); part of the ledger key.
        person_id: the recipient's plugin id (a partner's or supervisor's row id; for a
            guardian, the client's id).
        occurrence: which event (``"meeting-88-24h"``); ids and keys, never content.
        role: ``"partner"``, ``"supervisor"`` or ``"guardian"``: which table ``person_id``
            is in, passed to the host's ``@tpm.contact_loader``.
        template: the message template's name under ``templates/tpm/messages/`` (no suffix).
        context: values for the template: ids, times and short strings only.

    Returns:
        True if this call sent it; False if it was sent before, is being sent by another
        job, or the recipient has no contact on file (recorded, not retried).

    Raises:
        ValueError: a malformed kind, occurrence or role, or care data in the context.
        tpm_plugin.notifiers.NotificationFailed: the notifier could not deliver; the claim
            stays with this job, whose retry sends it.
    """
    for label, value in (("kind", kind), ("occurrence", occurrence)):
        if not _KEY.match(value):
            raise ValueError(
                f"Notification {label} {value!r} must be 1-100 letters, digits or '_.:-': "
                "ids and keys only."
            )
    if role not in RECIPIENT_ROLES:
        raise ValueError(f"Notification role {role!r} is not one of {', '.join(RECIPIENT_ROLES)}.")
    check_context(context)
    state = current_app.extensions["tpm"]
    recipient_ref = f"{role}-{person_id}"
    claimed = ledger.claim(
        kind,
        recipient_ref,
        occurrence,
        claimant=current_claimant(),
        channel=state.notifier.name,
        lease=dt.timedelta(seconds=current_app.config["TPM_NOTIFICATION_CLAIM_SECONDS"]),
        holder_is_over=run_is_over,
    )
    if claimed is None:
        return False
    contact = state.ext._contact_loader(role, person_id)
    if contact is None:
        ledger.finish(claimed.ledger_id, ledger.NO_CONTACT)
        return False
    subject, body = render_message(template, context, contact.first_name, contact.language)
    state.notifier.send(
        Message(
            key=f"tpm-notification-{claimed.ledger_id}",
            kind=kind,
            recipient_ref=recipient_ref,
            address=contact.address,
            subject=subject,
            body=body,
        )
    )
    ledger.finish(claimed.ledger_id, ledger.SENT)
    return True


__all__ = ["send_once"]
