"""Erasing what identifies a client: every step of :data:`ERASURE_STEPS`, rows kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, exists, select, update
from sqlalchemy.orm import Session

from ...access import Actor
from ...models import (
    CadenceOverride,
    Client,
    IdentificationEntry,
    Meeting,
    Partnership,
    Plan,
    PlannedActivity,
    Review,
    SupervisionSession,
    TransitionAudit,
    supervision_discussed,
    utcnow,
)
from .._unit import unit_of_work
from ..access import ALLOWED, record_access, require_actor
from ..intake.erasure import erase_intake
from ..supervision_placement.requests import request_replacement
from ._reach import client_for

#: What an erased note reads.
ERASED = "[erased]"

#: The access-audit action of an erasure.
ERASE = "erase"

#: Client columns that identify a person, cleared on erasure.
IDENTIFYING_CLIENT_FIELDS = (
    "display_name",
    "date_of_birth",
    "guardian_name",
    "guardian_contact",
    "host_user_id",
    "preferred_language",
)

#: Free-text columns of care records that could identify the client, by table.
_NOTE_COLUMNS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    (
        "identification_entries",
        IdentificationEntry,
        ("statement", "breaks_where", "breaks_when", "how_it_broke", "source"),
    ),
    ("plans", Plan, ("summary",)),
    ("meetings", Meeting, ("experience_note",)),
    ("reviews", Review, ("discussion", "changes_decided")),
    ("cadence_overrides", CadenceOverride, ("reason",)),
)


@dataclass(frozen=True)
class Erasure:
    """The outcome of an erasure: the client row after it, and how many rows were scrubbed."""

    client: Client
    rows_scrubbed: dict[str, int]
    already_erased: bool


def erase_client(actor: Actor | None, client_id: int) -> Erasure:
    """Remove what identifies a client, keeping every row (and the audit trail).

    Erasing an already erased client writes nothing but the audit row and answers with
    the original ``erased_at``.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor sees the client's partnerships but does not manage the program.
        NotFound: no such client, or out of the actor's scope (both audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        client = client_for(actor, client_id, ERASE, lock=True)
        already = client.erased_at is not None
        scrubbed = {} if already else _scrub(unit.session, client)
        record_access(actor, "client", client_id, ERASE, ALLOWED)
        unit.session.flush()
        unit.session.refresh(client)
        unit.session.expunge(client)
    return Erasure(client=client, rows_scrubbed=scrubbed, already_erased=already)


ErasureStep = Callable[[Session, Client], dict[str, int]]


def _clear_client_fields(current: Session, client: Client) -> dict[str, int]:
    for name in IDENTIFYING_CLIENT_FIELDS:
        setattr(client, name, None)
    client.erased_at = utcnow()
    return {"clients": 1}


def _theirs(client: Client) -> Select:
    return select(Partnership.id).where(Partnership.client_id == client.id)


def _update(current: Session, statement: Any) -> int:
    return current.execute(statement, execution_options={"synchronize_session": False}).rowcount


def _erase_care_notes(current: Session, client: Client) -> dict[str, int]:
    counts = {}
    for label, model, columns in _NOTE_COLUMNS:
        values = {column: _erased_if_set(getattr(model, column)) for column in columns}
        counts[label] = _update(
            current, update(model).where(model.partnership_id.in_(_theirs(client))).values(values)
        )
    return counts


def _erase_planned_activities(current: Session, client: Client) -> dict[str, int]:
    plans = select(Plan.id).where(Plan.partnership_id.in_(_theirs(client)))
    statement = (
        update(PlannedActivity)
        .where(PlannedActivity.plan_id.in_(plans))
        .values(aim=ERASED, description=_erased_if_set(PlannedActivity.description))
    )
    return {"planned_activities": _update(current, statement)}


def _erase_review_participants(current: Session, client: Client) -> dict[str, int]:
    # Participants are people around the client (family, teachers): keep how many, not who.
    reviews = current.execute(
        select(Review.id, Review.participants).where(Review.partnership_id.in_(_theirs(client)))
    ).all()
    if reviews:
        current.execute(
            update(Review),
            [{"id": rid, "participants": [ERASED] * len(people or [])} for rid, people in reviews],
        )
    return {}


def _erase_supervision_notes(current: Session, client: Client) -> dict[str, int]:
    statement = (
        update(SupervisionSession)
        .where(
            exists().where(
                supervision_discussed.c.session_id == SupervisionSession.id,
                supervision_discussed.c.partnership_id.in_(_theirs(client)),
            )
        )
        .values(notes=_erased_if_set(SupervisionSession.notes))
    )
    return {"supervision_sessions": _update(current, statement)}


def _erase_transition_reasons(current: Session, client: Client) -> dict[str, int]:
    # The row stays (who moved the partnership where, and when); its free-text why goes.
    statement = (
        update(TransitionAudit)
        .where(TransitionAudit.partnership_id.in_(_theirs(client)))
        .values(reason=_erased_if_set(TransitionAudit.reason))
    )
    return {"transition_reasons": _update(current, statement)}


def _erase_open_reasons(current: Session, client: Client) -> dict[str, int]:
    # Why a manager opened a second partnership for the client is free text about them.
    statement = (
        update(Partnership)
        .where(Partnership.client_id == client.id)
        .values(another_open_reason=_erased_if_set(Partnership.another_open_reason))
    )
    return {"partnership_reasons": _update(current, statement)}


def _end_partnerships(current: Session, client: Client) -> dict[str, int]:
    # With nothing left to identify the client, nobody can work with them any more: their
    # open partnerships end, and so take no new care records.
    statement = (
        update(Partnership)
        .where(Partnership.client_id == client.id, Partnership.ended_at.is_(None))
        .values(ended_at=utcnow(), version_id=Partnership.version_id + 1)
    )
    ended = _update(current, statement)
    if ended:
        request_replacement(client.program_id)
    return {"partnerships_ended": ended}


def _erase_intake(current: Session, client: Client) -> dict[str, int]:
    # What the client's intake forms said, and the dead letters that became their referral.
    return erase_intake(current, client.id)


#: The steps of an erasure, run in order in the erasing transaction. Each takes the session
#: and the locked client row, and answers how many rows it scrubbed by label (the labels
#: show in the erasure's ``rows_scrubbed``). **Anything that stores strings about a client
#: adds its step here** (intake records, dead letters, notification and job data), so
#: erasure keeps erasing everything::
#:
#:     from tpm_plugin.services import client_rights
#:
#:     def _erase_intake_records(session, client):
#:         ...
#:         return {"intake_records": count}
#:
#:     client_rights.ERASURE_STEPS.append(_erase_intake_records)
#:
#: Stored idempotent responses need no step: they hold ids only, and a replay is
#: re-rendered from the current (erased) rows. The access audit holds ids only too.
ERASURE_STEPS: list[ErasureStep] = [
    _clear_client_fields,
    _erase_care_notes,
    _erase_planned_activities,
    _erase_review_participants,
    _erase_supervision_notes,
    _erase_transition_reasons,
    _erase_open_reasons,
    _end_partnerships,
    _erase_intake,
]


def _scrub(current: Session, client: Client) -> dict[str, int]:
    counts: dict[str, int] = {}
    for step in ERASURE_STEPS:
        counts.update(step(current, client))
    return counts


def _erased_if_set(column: Any) -> Any:
    # A NULL note stays NULL: there was nothing to erase, and the marker would claim there was.
    return case((column.is_(None), None), else_=ERASED)
