"""Schemas of plans and their activities, each tied to what identification found."""

from __future__ import annotations

from marshmallow import fields, validate

from ...models import DOMAINS
from ..common import (
    LINE_LENGTH,
    NOTE_LENGTH,
    AwareDateTime,
    PageQuerySchema,
    StrictSchema,
    bounded_integer,
    bounded_string,
    one_of,
    sort_field,
)
from ._shared import id_list


class ActivityCreateSchema(StrictSchema):
    """One planned activity: its domain, aim, planned frequency and what it answers."""

    domain = one_of(DOMAINS, required=True)
    aim = bounded_string(LINE_LENGTH, required=True)
    description = bounded_string(NOTE_LENGTH, allow_none=True)
    per_week = bounded_integer(1, 21, allow_none=True)
    answers = id_list(
        50,
        load_default=list,
        metadata={"description": "Ids of the identification entries this activity answers."},
    )


class PlanCreateSchema(StrictSchema):
    """``POST /partnerships/<id>/plans``: the next version of the partnership's plan."""

    summary = bounded_string(NOTE_LENGTH, allow_none=True)
    activities = fields.List(
        fields.Nested(ActivityCreateSchema), required=True, validate=validate.Length(1, 50)
    )


class ActivitySchema(StrictSchema):
    """A planned activity as the API shows it."""

    id = fields.Integer(required=True)
    domain = fields.String(required=True)
    aim = fields.String(required=True)
    description = fields.String(allow_none=True)
    per_week = fields.Integer(allow_none=True)
    answers = fields.List(fields.Integer(), required=True)


class PlanSchema(StrictSchema):
    """A plan version with its activities."""

    id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    summary = fields.String(allow_none=True)
    author_id = fields.String(required=True)
    created_at = AwareDateTime(required=True)
    activities = fields.List(fields.Nested(ActivitySchema), required=True)


class PlanListQuerySchema(PageQuerySchema):
    """``GET /partnerships/<id>/plans`` parameters (newest version first by default)."""

    sort = sort_field(("version",), "-version")
