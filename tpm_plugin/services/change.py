"""Change across reviews: how connected a client is in each domain (self, others, school,
work, play; 1 broken to 5 strong), review after review.

This is where the model's "constructive change" becomes visible: for one partnership, the
ratings of each current review (corrected reviews count by their correction), oldest first;
for a program, the share of partnerships whose rating in each domain rose, held or fell
between the first and the latest review that rated it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from ..access import Actor
from ..errors import NotFound
from ..models import DOMAINS, Partnership, Program, Review, ReviewRating
from ._unit import unit_of_work
from .access import (
    ALLOWED,
    partnership_for,
    record_access,
    record_denied,
    record_reads,
    require_actor,
)

ROSE, HELD, FELL = "rose", "held", "fell"


@dataclass(frozen=True)
class ReviewRatings:
    """One review's ratings: ``ratings[domain]`` is 1-5, or ``None`` when not rated."""

    review_id: int
    held_at: dt.datetime
    outcome: str
    ratings: dict[str, int | None]


@dataclass(frozen=True)
class PartnershipChange:
    """A partnership's ratings across its reviews (oldest first), and per domain the
    difference between the first and the latest rating (``None`` with fewer than two)."""

    partnership_id: int
    reviews: list[ReviewRatings]
    difference: dict[str, int | None]


@dataclass(frozen=True)
class DomainShift:
    """How many partnerships' rating in one domain rose, held or fell between their first
    and latest rating, of ``partnerships`` rated at least twice; shares are fractions."""

    domain: str
    partnerships: int
    rose: int
    held: int
    fell: int

    def share(self, direction: str) -> float | None:
        """The fraction of ``partnerships`` that moved in ``direction`` (``None`` if none)."""
        if not self.partnerships:
            return None
        return round(getattr(self, direction) / self.partnerships, 4)


@dataclass(frozen=True)
class ProgramChange:
    """A program's change across reviews, one :class:`DomainShift` per domain."""

    program_id: int
    domains: list[DomainShift]


def _current_ratings():
    """(partnership, review, held_at, outcome, domain, rating) of every current review's
    ratings, oldest review first; a review without ratings has one row with no domain."""
    newer = aliased(Review)
    return (
        select(
            Review.partnership_id,
            Review.id,
            Review.held_at,
            Review.outcome,
            ReviewRating.domain,
            ReviewRating.rating,
        )
        .outerjoin(ReviewRating, ReviewRating.review_id == Review.id)
        .where(~exists().where(newer.supersedes_id == Review.id))
        .order_by(Review.partnership_id, Review.held_at, Review.id)
    )


def partnership_change(actor: Actor | None, partnership_id: int) -> PartnershipChange:
    """The ratings of a partnership's reviews, per domain, oldest review first (the read
    is audited as one row naming each review of the partnership). Two statements and the audit.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's reach (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "read_change", reading=True)
        found = read_change(unit.session, actor, partnership_id)
    return found


def read_change(session: Session, actor: Actor, partnership_id: int) -> PartnershipChange:
    """What :func:`partnership_change` answers, read in the caller's unit of work once it
    has reached the partnership (a page showing the change beside other records reads it in
    its own transaction): the unit's audit row names the reviews read."""
    rows = session.execute(_current_ratings().where(Review.partnership_id == partnership_id)).all()
    reviews: dict[int, ReviewRatings] = {}
    for _, review_id, held_at, outcome, domain, rating in rows:
        found = reviews.setdefault(
            review_id,
            ReviewRatings(review_id, held_at, outcome, dict.fromkeys(DOMAINS)),
        )
        if domain is not None:
            found.ratings[domain] = rating
    ordered = list(reviews.values())
    # One row for the request: the partnership's reviews read, each named.
    record_reads(actor, "review", [review.review_id for review in ordered], "read_change")
    difference = {}
    for domain in DOMAINS:
        rated = [r.ratings[domain] for r in ordered if r.ratings[domain] is not None]
        difference[domain] = rated[-1] - rated[0] if len(rated) >= 2 else None
    return PartnershipChange(partnership_id, ordered, difference)


def program_change(actor: Actor | None, program_id: int) -> ProgramChange:
    """Per domain, how many of a program's partnerships rose, held or fell between the
    first and the latest review that rated that domain (its managers only; the read is
    audited).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such program, or the actor does not manage it (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        program = (
            unit.session.get(Program, program_id)
            if program_id in actor.managed_program_ids
            else None
        )
        if program is None:
            record_denied(actor, "program", program_id, "read_change")
            raise NotFound(f"No program {program_id} that you manage.")
        rows = unit.session.execute(
            _current_ratings()
            .join(Partnership, Partnership.id == Review.partnership_id)
            .where(Partnership.program_id == program_id, ReviewRating.domain.is_not(None))
        ).all()
        record_access(actor, "program", program_id, "read_change", ALLOWED)
    return ProgramChange(program_id, _shifts(rows))


def _shifts(rows: list[Any]) -> list[DomainShift]:
    first: dict[tuple[int, str], int] = {}
    latest: dict[tuple[int, str], int] = {}
    counted: dict[tuple[int, str], int] = defaultdict(int)
    for partnership_id, _, _, _, domain, rating in rows:
        key = (partnership_id, domain)
        first.setdefault(key, rating)
        latest[key] = rating
        counted[key] += 1
    tally = {domain: {ROSE: 0, HELD: 0, FELL: 0} for domain in DOMAINS}
    for key, times in counted.items():
        if times < 2:
            continue
        step = latest[key] - first[key]
        tally[key[1]][ROSE if step > 0 else FELL if step < 0 else HELD] += 1
    return [DomainShift(domain, sum(tally[domain].values()), **tally[domain]) for domain in DOMAINS]
