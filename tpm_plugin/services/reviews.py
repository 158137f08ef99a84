"""Reviews: thinking together about how a partnership feels and works, the changes decided,
the outcome (continue, replan, close) and how connected the client is in each domain (1-5).

Program managers and the partnership's supervisor write reviews; the partner reads them but
may not write them (403, audited). A review is corrected by a new review that supersedes
it. Recording a review does not move the partnership: its outcome informs the workflow's
transitions, which a person takes.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Actor
from ..models import Partnership, Review, ReviewRating
from ._care import (
    add_record,
    annotate,
    audited_page,
    check_supersedes,
    in_reach,
    partnership_taking_records,
    with_successor,
)
from ._reading import Page, detach, order_by
from ._unit import unit_of_work
from .access import ALLOWED, forbid, partnership_for, record_access, require_actor

OBJECT_TYPE = "review"
SORTS = ("id", "held_at")


def may_write_reviews(actor: Actor, partnership: Partnership) -> bool:
    """Whether ``actor`` writes reviews of ``partnership``: a manager of its program or its
    supervisor."""
    return (
        partnership.program_id in actor.managed_program_ids
        or partnership.supervisor_id in actor.supervisor_ids
    )


def add_review(actor: Actor | None, partnership_id: int, data: dict[str, Any]) -> Review:
    """Record a review with its ratings (or, with ``supersedes_id``, a correction).

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
        Forbidden: the actor reaches the partnership but may not write reviews, such as its
            partner (audited).
        ValidationFailed: the partnership is closed and this is no correction, or
            ``supersedes_id`` is not a current review of this partnership.
        Conflict: a concurrent correction of the same review won.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_taking_records(
            actor, partnership_id, "create_review", correcting=bool(data.get("supersedes_id"))
        )
        if not may_write_reviews(actor, partnership):
            forbid(
                actor,
                "partnership",
                partnership.id,
                "create_review",
                "Reviews are written by the program's managers and the supervisor; "
                "partners may read them.",
            )
        check_supersedes(unit.session, Review, partnership.id, data.get("supersedes_id"))
        fields = {key: value for key, value in data.items() if key != "ratings"}
        review = Review(partnership_id=partnership.id, author_id=actor.user_id, **fields)
        add_record(unit.session, review)
        ratings = [ReviewRating(review_id=review.id, **rating) for rating in data["ratings"]]
        unit.session.add_all(ratings)
        unit.session.flush()
        record_access(actor, OBJECT_TYPE, review.id, "create", ALLOWED)
        review.ratings = sorted(ratings, key=lambda rating: rating.domain)
        review.superseded_by_id = None
        detach(unit.session, [review, *ratings])
    return review


def get_review(actor: Actor | None, review_id: int) -> Review:
    """One review with its ratings and ``superseded_by_id`` (the read is audited).

    Raises:
        NotFound: no such review within the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        in_reach(unit.session, actor, Review, OBJECT_TYPE, review_id, "read", reading=True)
        statement, _ = with_successor(Review)
        [review] = annotate(list(unit.session.execute(statement.where(Review.id == review_id))))
        _load_ratings(unit.session, [review])
        record_access(actor, OBJECT_TYPE, review.id, "read", ALLOWED)
        detach(unit.session, [review])
    return review


def list_reviews(actor: Actor | None, partnership_id: int, query: dict[str, Any]) -> Page[Review]:
    """One page of a partnership's current reviews (``include_superseded``: corrected ones
    too) with their ratings; each returned review's read is audited.

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "list_reviews", reading=True)
        statement, successor = with_successor(Review)
        statement = statement.where(Review.partnership_id == partnership_id)
        if not query["include_superseded"]:
            statement = statement.where(successor.id.is_(None))
        columns = {key: getattr(Review, key) for key in SORTS}
        statement = order_by(statement, query["sort"], columns, Review.id)
        page = audited_page(unit.session, actor, statement, query, OBJECT_TYPE, successors=True)
        _load_ratings(unit.session, page.items)
    return page


def _load_ratings(session: Session, reviews: list[Review]) -> None:
    by_review: dict[int, list[ReviewRating]] = defaultdict(list)
    if reviews:
        ratings = list(
            session.scalars(
                select(ReviewRating)
                .where(ReviewRating.review_id.in_([review.id for review in reviews]))
                .order_by(ReviewRating.domain)
            )
        )
        for rating in ratings:
            by_review[rating.review_id].append(rating)
        detach(session, ratings)
    for review in reviews:
        review.ratings = by_review.get(review.id, [])
