"""Exporting everything held about one client, in a fixed number of statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select

from ...access import Actor
from ...models import (
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
)
from .._unit import unit_of_work
from ..access import ALLOWED, record_access, require_actor
from ._reach import client_for

#: The access-audit action of an export.
EXPORT = "export"


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


def export_client(actor: Actor | None, client_id: int) -> ClientExport:
    """Everything held about one client.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor sees the client's partnerships but does not manage the program.
        NotFound: no such client, or out of the actor's scope (both audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        client = client_for(actor, client_id, EXPORT)
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
