"""Crisis cadence: raising a partnership's weekly targets for a number of weeks."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from ..models import MAX_OVERRIDE_WEEKS
from .common import (
    LINE_LENGTH,
    AwareDateTime,
    PageQuerySchema,
    StrictSchema,
    bounded_integer,
    bounded_string,
)


class CadenceOverrideCreateSchema(StrictSchema):
    """``POST /partnerships/<id>/cadence-overrides``: raise the cadence from now for
    ``weeks`` weeks, with a reason. Name ``meetings_per_week``,
    ``supervision_minutes_per_client`` or both; each raises its target while the partnership
    is in a stage that owes (a lower figure than the usual one changes nothing)."""

    weeks = bounded_integer(1, MAX_OVERRIDE_WEEKS, required=True)
    reason = bounded_string(LINE_LENGTH, required=True)
    meetings_per_week = bounded_integer(1, 14)
    supervision_minutes_per_client = bounded_integer(1, 240)

    @validates_schema
    def _raises_something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("meetings_per_week") is None and (
            data.get("supervision_minutes_per_client") is None
        ):
            raise ValidationError(
                "Name the raised meetings_per_week, supervision_minutes_per_client or both.",
                "meetings_per_week",
            )


class CadenceOverrideListQuerySchema(PageQuerySchema):
    """``GET /partnerships/<id>/cadence-overrides``: one page, newest first."""


class CadenceOverrideSchema(StrictSchema):
    """A crisis cadence: what it raises, why, from when until when, and whether it is in
    force now."""

    id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    meetings_per_week = fields.Integer(allow_none=True, required=True)
    supervision_minutes_per_client = fields.Integer(allow_none=True, required=True)
    weeks = fields.Integer(required=True)
    reason = fields.String(allow_none=True, required=True)
    starts_at = AwareDateTime(required=True)
    ends_at = AwareDateTime(
        required=True, metadata={"description": "When it stops by itself (its planned end)."}
    )
    ended_early_at = AwareDateTime(allow_none=True, required=True)
    ended_early_by = fields.String(allow_none=True, required=True)
    in_force = fields.Boolean(required=True)
    created_by = fields.String(allow_none=True, required=True)
    created_by_role = fields.String(allow_none=True, required=True)
    created_at = AwareDateTime(required=True)
