"""Keeping possible-duplicate flags to clients that exist.

A record's flag names clients a manager may choose as the same person. When a client stops
existing as a choice (removed as another referral's duplicate, or erased), the records that
still wait for a decision stop offering it: :func:`replace_flagged_client` rewrites their
flags in the caller's transaction, and :func:`existing_clients` guards what is read (flags
stored before a removal or erasure was handled this way).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from ...models import Client, IntakeRecord, IntakeSource


def replace_flagged_client(
    current: Session,
    program_id: int,
    gone_id: int,
    kept_id: int | None,
    *,
    skip_locked: bool = False,
) -> list[IntakeRecord]:
    """Make every unresolved record of program ``program_id`` that flags client ``gone_id``
    flag ``kept_id`` instead (once, and never the record's own client), or, with ``kept_id``
    None, no longer flag it (a record left flagging nobody is stored as flagging nothing).

    Only the records concerned are locked, in id order, so two resolutions in one program
    do not wait on each other's unrelated records.

    Args:
        skip_locked: leave out the records another transaction holds (on PostgreSQL), for a
            caller that locked the client first (an erasure): a record held is being
            resolved (or changed), and waiting for it could close a cycle with a resolution,
            which locks clients after records. A record left out keeps flagging ``gone_id``
            unless it is resolved, and :func:`existing_clients` keeps it from being offered.

    Returns:
        the records changed.
    """
    unresolved = (
        select(IntakeRecord.id, IntakeRecord.possible_duplicate_client_ids)
        .join(IntakeSource, IntakeSource.id == IntakeRecord.source_id)
        .where(IntakeSource.program_id == program_id)
        .where(IntakeRecord.duplicates_resolved_at.is_(None))
        .where(IntakeRecord.possible_duplicate_client_ids.is_not(None))
        # No look-alike is stored as JSON null (not SQL NULL): compare the text.
        .where(cast(IntakeRecord.possible_duplicate_client_ids, String) != "null")
    )
    # JSON containment differs by backend; the unresolved records of a program are few.
    concerned = sorted(
        record_id for record_id, flagged in current.execute(unresolved) if gone_id in _ids(flagged)
    )
    if not concerned:
        return []
    records = current.scalars(
        select(IntakeRecord)
        .where(IntakeRecord.id.in_(concerned))
        .order_by(IntakeRecord.id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    ).all()
    changed = []
    for record in records:
        flagged = flagged_ids(record)
        if record.duplicates_resolved_at is not None or gone_id not in flagged:
            continue  # resolved, or rewritten, while this transaction waited for the lock
        replaced = [kept_id if i == gone_id else i for i in flagged]
        kept = [i for i in dict.fromkeys(replaced) if i is not None and i != record.client_id]
        record.possible_duplicate_client_ids = kept or None
        changed.append(record)
    return changed


def existing_clients(current: Session, flagged: Iterable[int]) -> set[int]:
    """Of the client ids ``flagged``, those whose client row exists and is not erased."""
    wanted = sorted(set(flagged))
    if not wanted:
        return set()
    return set(
        current.scalars(select(Client.id).where(Client.id.in_(wanted), Client.erased_at.is_(None)))
    )


def flagged_ids(record: IntakeRecord) -> list[int]:
    """The client ids ``record`` flags as possible duplicates, as stored (JSON numbers)."""
    return _ids(record.possible_duplicate_client_ids)


def _ids(flagged: list | None) -> list[int]:
    return [int(i) for i in flagged or []]
