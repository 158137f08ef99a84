"""Erasing a client's intake: the answers of their intake records and any dead letter that
became their referral. The rows stay (with ids, versions and consent flags), so counts and
the audit trail keep their meaning; every string that could identify the client goes.

An erased client can no longer be chosen as the same person as a new referral, so the
records still waiting for that decision stop flagging them."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ...models import Client, IntakeDeadLetter, IntakeRecord
from .flags import replace_flagged_client
from .stored_answers import refresh_stored_answers


def erase_intake(session: Session, client_id: int) -> dict[str, int]:
    """Clear what ``client_id``'s intake records and dead letters hold, and drop the client
    from the possible-duplicate flags of records waiting for a decision, in the caller's
    transaction.

    Returns:
        rows changed, by table label.
    """
    records = session.execute(
        update(IntakeRecord)
        .where(IntakeRecord.client_id == client_id)
        .values(answers=None, school=None, referral_reason=None),
        execution_options={"synchronize_session": False},
    ).rowcount
    letters = session.execute(
        update(IntakeDeadLetter)
        .where(IntakeDeadLetter.client_id == client_id)
        .values(body=None, problems={}),
        execution_options={"synchronize_session": False},
    ).rowcount
    client = session.get(Client, client_id)
    unflagged = replace_flagged_client(
        session, client.program_id, client_id, None, skip_locked=True
    )
    refresh_stored_answers(session, unflagged)
    return {
        "intake_records": records,
        "intake_dead_letters": letters,
        "intake_flags": len(unflagged),
    }
