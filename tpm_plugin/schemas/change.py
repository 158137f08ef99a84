"""Schemas of change across reviews: a partnership's ratings per domain, and a program's
share of partnerships whose rating rose, held or fell."""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from ..models import DOMAINS
from .common import AwareDateTime, StrictSchema, one_of

#: What ``?format=`` may ask for, and the media type of each answer.
CHANGE_FORMATS = {"json": "application/json", "svg": "image/svg+xml"}


def _by_domain(**kwargs: Any) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=fields.Integer(allow_none=True),
        required=True,
        metadata={"description": f"By domain: {', '.join(DOMAINS)}."},
        **kwargs,
    )


class ChangeQuerySchema(StrictSchema):
    """``GET /partnerships/<id>/change``: ``format=json`` (default) or ``svg`` (a chart)."""

    format = one_of(tuple(CHANGE_FORMATS), load_default="json")


class ReviewRatingsSchema(StrictSchema):
    """One review's ratings, 1 (broken) to 5 (strong); ``null`` where not rated."""

    review_id = fields.Integer(required=True)
    held_at = AwareDateTime(required=True)
    outcome = fields.String(required=True)
    ratings = _by_domain()


class PartnershipChangeSchema(StrictSchema):
    """A partnership's ratings across its current reviews, oldest first, and per domain the
    latest rating minus the first (``null`` until two reviews rated it)."""

    partnership_id = fields.Integer(required=True)
    reviews = fields.List(fields.Nested(ReviewRatingsSchema), required=True)
    difference = _by_domain()


class DomainShiftSchema(StrictSchema):
    """In one domain: of the partnerships rated at least twice, how many rose, held or fell
    between their first and latest rating, and those shares (fractions; ``null`` when no
    partnership was rated twice)."""

    domain = fields.String(required=True)
    partnerships = fields.Integer(required=True)
    rose = fields.Integer(required=True)
    held = fields.Integer(required=True)
    fell = fields.Integer(required=True)
    share_rose = fields.Float(allow_none=True, required=True)
    share_held = fields.Float(allow_none=True, required=True)
    share_fell = fields.Float(allow_none=True, required=True)


class ProgramChangeSchema(StrictSchema):
    """A program's change across reviews, one entry per domain."""

    program_id = fields.Integer(required=True)
    domains = fields.List(fields.Nested(DomainShiftSchema), required=True)
