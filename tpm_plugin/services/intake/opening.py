"""What opening a referral must look up before it writes: the program's clients who may be
the same person, and where the partnership starts.

On PostgreSQL one statement answers all of it and also takes the ids of the client,
partnership and intake record from their sequences, so the rows can then be written in one
more round trip (:func:`tpm_plugin.services._batch.insert_together`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from ...models import Client, IntakeRecord, Partnership, Program, Workflow, WorkflowVersion
from .._batch import next_id
from ..workflow_versions import compiled_workflow, starting_point
from .mapping import Referral

_ADULT_AGE = 18


@dataclass(frozen=True)
class Opening:
    """Where a referral's rows go: ids are ``None`` when the flush assigns them."""

    duplicates: list[int]
    workflow_key: str
    workflow_version: int
    stage: str
    client_id: int | None = None
    partnership_id: int | None = None
    record_id: int | None = None


def look_up(session: Session, program_id: int, referral: Referral) -> Opening:
    """Possible duplicates and the starting point, in the ORM's usual statements."""
    workflow_key = session.get(Program, program_id).workflow_key
    version, stage = starting_point(workflow_key)
    duplicates = []
    if (match := _duplicate_match(program_id, referral)) is not None:
        duplicates = list(session.scalars(select(Client.id).where(match).order_by(Client.id)))
    return Opening(duplicates, workflow_key, version, stage)


def look_up_and_reserve(session: Session, program_id: int, referral: Referral) -> Opening:
    """Everything :func:`look_up` finds plus the three new ids, in one PostgreSQL statement.

    The newest published version is read in the same statement; its start stage comes
    from the per-process cache of compiled versions (published versions never change).
    """
    workflow_key = select(Program.workflow_key).where(Program.id == program_id).scalar_subquery()
    newest = (
        select(func.max(WorkflowVersion.version))
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Workflow.key == workflow_key)
        .scalar_subquery()
    )
    match = _duplicate_match(program_id, referral)
    duplicates = (
        select(func.array_agg(aggregate_order_by(Client.id, Client.id)))
        .where(match)
        .scalar_subquery()
        if match is not None
        else None
    )
    row = session.execute(
        select(
            next_id(Client),
            next_id(Partnership),
            next_id(IntakeRecord),
            workflow_key,
            newest,
            *([duplicates] if duplicates is not None else []),
        )
    ).one()
    client_id, partnership_id, record_id, key, version = row[:5]
    if version is None:
        # A fresh database: the shipped workflow is published first (in this transaction).
        version, stage = starting_point(key)
    else:
        stage = compiled_workflow(key, version).start
    found = (row[5] or []) if duplicates is not None else []
    return Opening(list(found), key, version, stage, client_id, partnership_id, record_id)


def _duplicate_match(program_id: int, referral: Referral) -> ColumnElement[bool] | None:
    """Clients of the program who may be the same person: same name (case-insensitive) and
    date of birth, or the same guardian contact (as normalised by the mapping). Flagged for
    a manager, never merged. ``None`` when the referral gives nothing to compare."""
    matches = []
    if referral.date_of_birth is not None:
        matches.append(
            and_(
                func.lower(Client.display_name) == referral.display_name.lower(),
                Client.date_of_birth == referral.date_of_birth,
            )
        )
    if referral.guardian_contact:
        matches.append(Client.guardian_contact == referral.guardian_contact)
    if not matches:
        return None
    return and_(Client.program_id == program_id, Client.erased_at.is_(None), or_(*matches))


def is_minor(born: dt.date | None, today: dt.date) -> bool:
    """Whether someone born on ``born`` is under 18 on ``today`` (unknown: not a minor)."""
    if born is None:
        return False
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < _ADULT_AGE
