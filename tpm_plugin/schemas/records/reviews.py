"""Schemas of reviews and their ratings."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ...models import DOMAINS, REVIEW_OUTCOMES
from ..common import (
    NOTE_LENGTH,
    AwareDateTime,
    StrictSchema,
    bounded_integer,
    bounded_string,
    object_id,
    one_of,
    sort_field,
)
from ._shared import CorrectionQuerySchema


class RatingSchema(StrictSchema):
    """How connected the client is in one domain: 1 (broken) to 5 (strong)."""

    domain = one_of(DOMAINS, required=True)
    rating = bounded_integer(1, 5, required=True)


class ReviewCreateSchema(StrictSchema):
    """``POST /partnerships/<id>/reviews``: a review (program managers and the partnership's
    supervisor; partners may read reviews but not write them). ``supersedes_id`` corrects
    an earlier review."""

    held_at = AwareDateTime(required=True)
    participants = fields.List(
        bounded_string(100, required=True), required=True, validate=validate.Length(1, 20)
    )
    discussion = bounded_string(NOTE_LENGTH, required=True)
    changes_decided = bounded_string(NOTE_LENGTH, allow_none=True)
    outcome = one_of(REVIEW_OUTCOMES, required=True)
    ratings = fields.List(
        fields.Nested(RatingSchema), load_default=list, validate=validate.Length(max=5)
    )
    supersedes_id = object_id(allow_none=True)

    @validates_schema
    def _one_rating_per_domain(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen: set[str] = set()
        for index, rating in enumerate(data.get("ratings", [])):
            if rating["domain"] in seen:
                raise ValidationError(
                    {str(index): {"domain": ["Rate each domain once."]}}, field_name="ratings"
                )
            seen.add(rating["domain"])


class ReviewSchema(StrictSchema):
    """A review as the API shows it, with its ratings."""

    id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    held_at = AwareDateTime(required=True)
    participants = fields.List(fields.String(), required=True)
    discussion = fields.String(required=True)
    changes_decided = fields.String(allow_none=True)
    outcome = fields.String(required=True)
    ratings = fields.List(fields.Nested(RatingSchema), required=True)
    author_id = fields.String(required=True)
    supersedes_id = fields.Integer(allow_none=True)
    superseded_by_id = fields.Integer(allow_none=True)
    created_at = AwareDateTime(required=True)


class ReviewListQuerySchema(CorrectionQuerySchema):
    """``GET /partnerships/<id>/reviews`` parameters."""

    sort = sort_field(("id", "held_at"), "held_at")
