"""What a program manager reviews of intake besides its dead letters: possible duplicates
(referrals whose client looked like one the program already had), and the timezone each
source's program shows its times in.

Intake never merges clients; it opens the referral and notes the look-alikes on its intake
record. :func:`list_possible_duplicates` lists those records for the managers who review
them (the intake review page), newest first, audited like the dead-letter list, until a
manager resolves them (:mod:`.duplicates`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import String, cast, select

from ...access import Actor
from ...models import IntakeRecord, IntakeSource, Program
from .._unit import unit_of_work
from ..access import record_reads
from .flags import existing_clients, flagged_ids
from .sources import Operator, _manager

#: The most records one review lists (the newest).
REVIEW_LIMIT = 200


@dataclass(frozen=True)
class PossibleDuplicate:
    """An intake record whose new client may be an existing one, with its program's
    timezone (to show when it arrived)."""

    intake_record_id: int
    client_id: int
    partnership_id: int
    duplicate_client_ids: list[int]
    received_at: dt.datetime
    program_timezone: str


def list_possible_duplicates(actor: Operator | None) -> list[PossibleDuplicate]:
    """The newest intake records of the actor's programs (every program, for the command
    line) that flagged possible duplicates no manager has resolved yet, each offering only
    the flagged clients that still exist and are not erased (a record left with none is not
    listed: there is no one to choose).

    Raises:
        Unauthenticated / Forbidden: nobody, or not a program manager (audited).
    """
    manager = _manager(actor, "list_duplicates")
    statement = (
        select(IntakeRecord, Program.timezone)
        .join(IntakeSource, IntakeSource.id == IntakeRecord.source_id)
        .join(Program, Program.id == IntakeSource.program_id)
        # No look-alike is stored as JSON null (not SQL NULL): compare the text.
        .where(IntakeRecord.possible_duplicate_client_ids.is_not(None))
        .where(cast(IntakeRecord.possible_duplicate_client_ids, String) != "null")
        .where(IntakeRecord.duplicates_resolved_at.is_(None))
        .order_by(IntakeRecord.received_at.desc(), IntakeRecord.id.desc())
        .limit(REVIEW_LIMIT)
    )
    if isinstance(manager, Actor):
        statement = statement.where(
            IntakeSource.program_id.in_(sorted(manager.managed_program_ids))
        )
    with unit_of_work() as unit:
        rows = [
            (record, timezone)
            for record, timezone in unit.session.execute(statement)
            if record.possible_duplicate_client_ids
        ]
        flagged = {record.id: flagged_ids(record) for record, _ in rows}
        # Flags stored before a removal or an erasure was handled may name a client who
        # is no longer there to choose.
        existing = existing_clients(unit.session, (i for ids in flagged.values() for i in ids))
        found = []
        for record, timezone in rows:
            offered = [i for i in flagged[record.id] if i in existing and i != record.client_id]
            if offered:
                found.append(
                    PossibleDuplicate(
                        record.id,
                        record.client_id,
                        record.partnership_id,
                        offered,
                        record.received_at,
                        timezone,
                    )
                )
        if isinstance(manager, Actor):
            record_reads(manager, "intake_record", [d.intake_record_id for d in found], "list")
    return found


def source_timezones(actor: Actor | None) -> dict[int, str]:
    """The timezone of the program of each intake source the actor manages, by source id
    (to show a dead letter's times on its program's clock).

    Raises:
        Unauthenticated / Forbidden: nobody, or not a program manager (audited).
    """
    manager = _manager(actor, "list")
    assert isinstance(manager, Actor)
    statement = (
        select(IntakeSource.id, Program.timezone)
        .join(Program, Program.id == IntakeSource.program_id)
        .where(IntakeSource.program_id.in_(sorted(manager.managed_program_ids)))
    )
    with unit_of_work() as unit:
        return {source_id: zone for source_id, zone in unit.session.execute(statement)}
