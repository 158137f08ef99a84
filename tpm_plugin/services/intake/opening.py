"""What opening a referral must look up before it writes: the program's clients who may be
the same person, and where the partnership starts.

On PostgreSQL one statement answers all of it and also takes the ids of the client,
partnership and intake record from their sequences, so the rows can then be written in one
more round trip (:func:`tpm_plugin.services._batch.insert_together`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    null,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from ...models import (
    Client,
    IntakeRecord,
    IntakeSource,
    Partnership,
    Program,
    Workflow,
    WorkflowVersion,
)
from .._batch import next_id
from ..workflow_versions import compiled_workflow, starting_point
from .mapping import Referral
from .sources import current_version

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
    #: The source's ``version_id`` as the reservation read it (NULL: switched off).
    source_version: int | None = None


def look_up(session: Session, program_id: int, referral: Referral) -> Opening:
    """Possible duplicates and the starting point, in the ORM's usual statements."""
    workflow_key = session.get(Program, program_id).workflow_key
    version, stage = starting_point(workflow_key)
    duplicates = []
    if (shape := _match_shape(referral)) != (False, False):
        duplicates = list(
            session.scalars(
                select(Client.id).where(_duplicate_match(*shape)).order_by(Client.id),
                _match_parameters(program_id, referral),
            )
        )
    return Opening(duplicates, workflow_key, version, stage)


class NotPublishedYet(Exception):
    """The program's workflow has no published version yet, and the caller cannot publish
    the shipped one in its transaction (see :func:`look_up_and_reserve`)."""


def host_engine() -> Engine:
    """The host's Flask-SQLAlchemy engine: the default bind, which the session's get_bind
    answers for the plugin's tables (they carry no bind key)."""
    return current_app.extensions["tpm"].db.engine


@contextmanager
def statements_commit_themselves() -> Iterator[Connection | None]:
    """A connection with autocommit on, when nothing has run in the host session's
    transaction yet (``None`` otherwise): each statement run on it commits on its own.

    For a delivery whose only write is one statement (every row at once) that statement is
    the whole transaction, and the reservation before it only reads and takes ids (which
    no rollback returns anyway): running both this way spares the round trips of BEGIN
    and COMMIT. The connection is the host engine's own, taken from its pool beside the
    session rather than through it: neither statement needs the identity map, and the
    session then has no transaction to begin, commit and close (nor, when the request
    made none, a session to make and close). It goes back to the pool as it was taken
    when the block ends.
    """
    scoped = current_app.extensions["tpm"].db.session
    if scoped.registry.has() and scoped().in_transaction():
        yield None
        return
    with host_engine().connect() as connection:
        yield connection.execution_options(isolation_level="AUTOCOMMIT")


def look_up_and_reserve(
    session: Session | Connection,
    source: IntakeSource,
    referral: Referral,
    *,
    may_publish: bool = True,
) -> Opening:
    """Everything :func:`look_up` finds plus the three new ids, in one PostgreSQL statement.

    The newest published version is read in the same statement; its start stage comes
    from the per-process cache of compiled versions (published versions never change). So
    is the source's current version, which a source kept in memory is checked against.

    Raises:
        NotPublishedYet: no version is published yet and ``may_publish`` is false (the
            caller's statements commit themselves, so publishing would not be atomic).
    """
    parameters = {**_match_parameters(source.program_id, referral), "source_id": source.id}
    row = session.execute(_reservation(*_match_shape(referral)), parameters).one()
    client_id, partnership_id, record_id, key, version, found, source_version = row
    if version is None and not may_publish:
        raise NotPublishedYet(key)
    if version is None:
        # A fresh database: the shipped workflow is published first (in this transaction).
        version, stage = starting_point(key)
    else:
        stage = compiled_workflow(key, version).start
    return Opening(
        list(found or []),
        key,
        version,
        stage,
        client_id,
        partnership_id,
        record_id,
        source_version,
    )


@lru_cache(maxsize=4)
def _reservation(by_birth: bool, by_contact: bool) -> Select:
    # Built once per kind of referral, with bound parameters: each delivery pays neither for
    # building the statement nor for its cache key.
    workflow_key = (
        select(Program.workflow_key).where(Program.id == bindparam("program_id")).scalar_subquery()
    )
    newest = (
        select(func.max(WorkflowVersion.version))
        .join(Workflow, Workflow.id == WorkflowVersion.workflow_id)
        .where(Workflow.key == workflow_key)
        .scalar_subquery()
    )
    duplicates = (
        select(func.array_agg(aggregate_order_by(Client.id, Client.id)))
        .where(_duplicate_match(by_birth, by_contact))
        .scalar_subquery()
        if by_birth or by_contact
        else null()
    )
    return select(
        next_id(Client),
        next_id(Partnership),
        next_id(IntakeRecord),
        workflow_key,
        newest,
        duplicates,
        current_version(),
    )


def _match_shape(referral: Referral) -> tuple[bool, bool]:
    return referral.date_of_birth is not None, bool(referral.guardian_contact)


def _match_parameters(program_id: int, referral: Referral) -> dict[str, Any]:
    return {
        "program_id": program_id,
        "lower_name": referral.display_name.lower(),
        "date_of_birth": referral.date_of_birth,
        "guardian_contact": referral.guardian_contact,
    }


def _duplicate_match(by_birth: bool, by_contact: bool) -> ColumnElement[bool]:
    """Clients of the program who may be the same person: same name (case-insensitive) and
    date of birth, or the same guardian contact (as normalised by the mapping). Flagged for
    a manager, never merged. Its parameters come from :func:`_match_parameters`."""
    matches = []
    if by_birth:
        matches.append(
            and_(
                func.lower(Client.display_name) == bindparam("lower_name", type_=String),
                Client.date_of_birth == bindparam("date_of_birth", type_=Date),
            )
        )
    if by_contact:
        matches.append(Client.guardian_contact == bindparam("guardian_contact", type_=String))
    return and_(
        Client.program_id == bindparam("program_id", type_=Integer),
        Client.erased_at.is_(None),
        or_(*matches),
    )


def is_minor(born: dt.date | None, today: dt.date) -> bool:
    """Whether someone born on ``born`` is under 18 on ``today`` (unknown: not a minor)."""
    if born is None:
        return False
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < _ADULT_AGE
