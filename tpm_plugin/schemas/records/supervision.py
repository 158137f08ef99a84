"""Schemas of supervision sessions and the minutes each partnership got of them."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ..common import (
    MAX_INT,
    NOTE_LENGTH,
    AwareDateTime,
    PageQuerySchema,
    StrictSchema,
    bounded_integer,
    bounded_string,
    object_id,
    one_of,
    sort_field,
)
from ._shared import id_list

SUPERVISION_STATUSES = ("scheduled", "held", "cancelled", "no_show")
MAX_SUPERVISION_MINUTES = 480


class PartnershipMinutesSchema(StrictSchema):
    """Minutes of a held session spent on one of the partnerships discussed."""

    partnership_id = object_id(required=True)
    minutes = bounded_integer(0, MAX_SUPERVISION_MINUTES, required=True)


class SupervisionOutcomeSchema(StrictSchema):
    """``POST /supervision-sessions/<id>/outcome``: held (with minutes), cancelled or
    no-show (the partner did not come)."""

    status = one_of(("held", "cancelled", "no_show"), required=True)
    held_minutes = bounded_integer(0, MAX_SUPERVISION_MINUTES, allow_none=True)
    notes = bounded_string(NOTE_LENGTH, allow_none=True)
    partnership_ids = id_list(
        100,
        load_default=list,
        metadata={"description": "The partner's partnerships discussed in the session."},
    )
    partnership_minutes = fields.List(
        fields.Nested(PartnershipMinutesSchema),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "A held session's minutes per partnership discussed."},
    )

    @validates_schema
    def _minutes_fit_partnerships(self, data: dict[str, Any], **kwargs: Any) -> None:
        split = data.get("partnership_minutes") or []
        if not split:
            return
        if data.get("status") != "held":
            raise ValidationError(
                "Only a held session has minutes per partnership.", field_name="partnership_minutes"
            )
        discussed = set(data.get("partnership_ids") or [])
        for index, item in enumerate(split):
            if item["partnership_id"] not in discussed:
                raise ValidationError(
                    "Must be one of partnership_ids.",
                    field_name=f"partnership_minutes.{index}.partnership_id",
                )
        if sum(item["minutes"] for item in split) > (data.get("held_minutes") or 0):
            raise ValidationError(
                "Adds up to more than held_minutes.", field_name="partnership_minutes"
            )

    @validates_schema
    def _fields_fit_status(self, data: dict[str, Any], **kwargs: Any) -> None:
        status = data.get("status", "scheduled")
        if status == "held" and data.get("held_minutes") is None:
            raise ValidationError("A held session needs its minutes.", field_name="held_minutes")
        if status != "held" and data.get("held_minutes") is not None:
            raise ValidationError("Only a held session has minutes.", field_name="held_minutes")


class SupervisionCreateSchema(SupervisionOutcomeSchema):
    """``POST /supervision-sessions``: schedule (or log) a supervisor's session with a
    partner. ``supervisor_id`` defaults to the caller's own; ``scheduled_minutes`` to the
    program's minutes per client times the partner's open partnerships with that supervisor.
    """

    supervisor_id = object_id(allow_none=True)
    partner_id = object_id(required=True)
    scheduled_at = AwareDateTime(required=True)
    scheduled_minutes = bounded_integer(0, MAX_SUPERVISION_MINUTES, allow_none=True)
    status = one_of(SUPERVISION_STATUSES, load_default="scheduled")


class SupervisionSessionSchema(StrictSchema):
    """A supervision session as the API shows it."""

    id = fields.Integer(required=True)
    supervisor_id = fields.Integer(required=True)
    partner_id = fields.Integer(required=True)
    scheduled_at = AwareDateTime(required=True)
    scheduled_minutes = fields.Integer(required=True)
    status = fields.String(required=True)
    held_minutes = fields.Integer(allow_none=True)
    notes = fields.String(allow_none=True)
    partnership_ids = fields.List(fields.Integer(), required=True)
    partnership_minutes = fields.List(fields.Nested(PartnershipMinutesSchema))
    created_at = AwareDateTime(required=True)


class SupervisionListQuerySchema(PageQuerySchema):
    """``GET /supervision-sessions`` parameters."""

    supervisor_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    partner_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    partnership_id = fields.Integer(
        validate=validate.Range(1, MAX_INT),
        metadata={"description": "Only sessions that discussed this partnership."},
    )
    status = one_of(SUPERVISION_STATUSES)
    sort = sort_field(("id", "scheduled_at"), "scheduled_at")
