"""A client's data rights: export everything held about them, and erase what identifies them.

Both are for the program managers of the client's program only. Anyone else who can see
one of the client's partnerships (their supervisor or partner) is refused with 403; anyone
who cannot is answered 404, so a client's existence does not leak. Both are audited.

**Export** returns every row about the client: the client row, their partnerships, every
identification entry (superseded ones included), plans with their activities, meetings,
reviews with their ratings, the supervision sessions that discussed their partnerships, and
the transition and version-migration history. A fixed number of statements, whatever the
number of partnerships.

**Erase** clears the identifying fields of the client row (name, date of birth, guardian,
contact, host user link, preferred language), replaces every free-text care note that
could identify them with :data:`ERASED` (transition reasons too), and ends their open
partnerships, which then take no new care records. Rows stay, so counts, fidelity figures
and the audit trails keep their meaning. What an erasure does is the list
:data:`ERASURE_STEPS`: a feature that stores strings about clients appends its step there. Erasing an erased client again changes nothing and answers
the same result with the first ``erased_at`` (it is idempotent, not an error).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy import Select, case, exists, select, update
from sqlalchemy.orm import Session

from ..access import PROGRAM_MANAGER, Actor
from ..errors import Forbidden, NotFound
from ..models import (
    CadenceOverride,
    Client,
    IdentificationEntry,
    Meeting,
    Partnership,
    PartnershipMigration,
    Plan,
    PlannedActivity,
    Review,
    ReviewRating,
    SupervisionSession,
    TransitionAudit,
    activity_answers,
    supervision_discussed,
    utcnow,
)
from ._unit import session, unit_of_work
from .access import (
    ALLOWED,
    partnership_scope,
    record_access,
    record_denied,
    require_actor,
    touch,
)
from .intake.erasure import erase_intake
from .supervision_placement.requests import request_replacement

#: What an erased note reads.
ERASED = "[erased]"

EXPORT = "export"
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
class ClientExport:
    """Every row held about one client, as loaded rows (the API dumps them)."""

    client: Client
    partnerships: list[Partnership]
    identification_entries: list[IdentificationEntry]
    plans: list[Plan]
    planned_activities: list[PlannedActivity]
    activity_answers: list[dict[str, int]]
    meetings: list[Meeting]
    reviews: list[Review]
    review_ratings: list[ReviewRating]
    supervision_sessions: list[SupervisionSession]
    supervision_discussed: list[dict[str, int]]
    transitions: list[TransitionAudit]
    migrations: list[PartnershipMigration]


@dataclass(frozen=True)
class Erasure:
    """The outcome of an erasure: the client row after it, and how many rows were scrubbed."""

    client: Client
    rows_scrubbed: dict[str, int]
    already_erased: bool


def export_client(actor: Actor | None, client_id: int) -> ClientExport:
    """Everything held about one client.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor sees the client's partnerships but does not manage the program.
        NotFound: no such client, or out of the actor's scope (both audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        client = _client_for(actor, client_id, EXPORT)
        current = unit.session
        partnerships = _all(
            current, select(Partnership).where(Partnership.client_id == client_id), Partnership
        )
        ids = [p.id for p in partnerships]
        of_client = Partnership.client_id == client_id
        plans = _all(current, select(Plan).join(Partnership).where(of_client), Plan)
        reviews = _all(current, select(Review).join(Partnership).where(of_client), Review)
        sessions = _all(
            current,
            select(SupervisionSession).where(
                exists().where(
                    supervision_discussed.c.session_id == SupervisionSession.id,
                    supervision_discussed.c.partnership_id.in_(
                        select(Partnership.id).where(of_client)
                    ),
                )
            ),
            SupervisionSession,
        )
        result = ClientExport(
            client=client,
            partnerships=partnerships,
            identification_entries=_of_partnerships(current, IdentificationEntry, of_client),
            plans=plans,
            planned_activities=_all(
                current,
                select(PlannedActivity).join(Plan).join(Partnership).where(of_client),
                PlannedActivity,
            ),
            activity_answers=[
                dict(row._mapping)
                for row in current.execute(
                    select(activity_answers)
                    .join(PlannedActivity)
                    .join(Plan)
                    .join(Partnership)
                    .where(of_client)
                    .order_by(activity_answers.c.activity_id)
                )
            ],
            meetings=_of_partnerships(current, Meeting, of_client),
            reviews=reviews,
            review_ratings=_all(
                current,
                select(ReviewRating).join(Review).join(Partnership).where(of_client),
                ReviewRating,
            ),
            supervision_sessions=sessions,
            supervision_discussed=[
                dict(row._mapping)
                for row in current.execute(
                    select(supervision_discussed)
                    .where(supervision_discussed.c.partnership_id.in_(ids))
                    .order_by(supervision_discussed.c.session_id)
                )
            ],
            transitions=_of_partnerships(current, TransitionAudit, of_client),
            migrations=_of_partnerships(current, PartnershipMigration, of_client),
        )
        record_access(actor, "client", client_id, EXPORT, ALLOWED)
        _detach(current, result)
    return result


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
        client = _client_for(actor, client_id, ERASE, lock=True)
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


def _client_for(actor: Actor, client_id: int, action: str, *, lock: bool = False) -> Client:
    query = select(Client).where(Client.id == client_id)
    if lock:
        query = query.with_for_update()
    client = session().scalars(query).first()
    if client is None:
        _refuse(actor, client_id, action, NotFound(f"No client {client_id} that you can reach."))
    if client.program_id not in actor.managed_program_ids:
        sees_a_partnership = session().scalar(
            select(exists().where(Partnership.client_id == client_id, partnership_scope(actor)))
        )
        if sees_a_partnership:
            _refuse(
                actor,
                client_id,
                action,
                Forbidden(f"Only the program's managers may {action} a client's data."),
            )
        _refuse(actor, client_id, action, NotFound(f"No client {client_id} that you can reach."))
    touch(actor, "client", client_id, action, role=PROGRAM_MANAGER, program_id=client.program_id)
    return client


def _refuse(actor: Actor, client_id: int, action: str, error: Exception) -> NoReturn:
    record_denied(actor, "client", client_id, action)
    raise error


def _all(current, query, model) -> list[Any]:
    return list(current.scalars(query.order_by(model.id)))


def _of_partnerships(current, model, of_client) -> list[Any]:
    return _all(current, select(model).join(Partnership).where(of_client), model)


def _detach(current, result: ClientExport) -> None:
    """Keep the loaded rows readable after the commit (which would expire them)."""
    current.flush()
    for value in result.__dict__.values():
        rows: Sequence[Any] = value if isinstance(value, list) else [value]
        for row in rows:
            if not isinstance(row, dict) and row in current:
                current.expunge(row)
