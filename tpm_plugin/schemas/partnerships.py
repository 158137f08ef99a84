"""Schemas of partnerships: opening, reassigning, reading and listing them."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import (
    MAX_INT,
    AwareDateTime,
    PageQuerySchema,
    StrictSchema,
    bounded_string,
    object_id,
    sort_field,
)
from .workflow import REASON_LENGTH

#: Sort keys of ``GET /partnerships`` (the services order by the columns of these names).
PARTNERSHIP_SORTS = ("id", "started_at", "stage_entered_at")


class PartnershipSchema(StrictSchema):
    """A partnership as the API shows it (ids and stage only; names live on the people)."""

    id = fields.Integer(required=True)
    program_id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    partner_id = fields.Integer(allow_none=True)
    supervisor_id = fields.Integer(allow_none=True)
    stage = fields.String(required=True)
    held_from_stage = fields.String(allow_none=True)
    another_open_reason = fields.String(allow_none=True)
    workflow_key = fields.String(required=True)
    workflow_version = fields.Integer(required=True)
    stage_entered_at = AwareDateTime(required=True)
    started_at = AwareDateTime(required=True)
    ended_at = AwareDateTime(allow_none=True)
    version_id = fields.Integer(
        required=True, metadata={"description": "Bumped by every change of the partnership."}
    )


class PartnershipUpdateSchema(StrictSchema):
    """``PATCH /partnerships/<id>``: assign or reassign the partner or the supervisor."""

    partner_id = object_id(allow_none=True)
    supervisor_id = object_id(allow_none=True)


class PartnershipCreateSchema(PartnershipUpdateSchema):
    """``POST /partnerships``: a client (and, when known, a partner and a supervisor) in a
    program the caller manages. The partnership starts at the workflow's start stage."""

    program_id = object_id(required=True)
    client_id = object_id(required=True)
    started_at = AwareDateTime(
        allow_none=True,
        metadata={
            "description": (
                "When the partnership began, if before it is recorded (default: now); its "
                "meetings cannot be earlier."
            )
        },
    )
    another_open_reason = bounded_string(
        REASON_LENGTH,
        allow_none=True,
        metadata={
            "description": (
                "Why the client needs a second open partnership in this program (a client "
                "has one open partnership per program unless a manager says why)."
            )
        },
    )


class PartnershipListQuerySchema(PageQuerySchema):
    """``GET /partnerships`` parameters: filters, ``sort`` and the page."""

    program_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    stage = bounded_string(64)
    partner_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    supervisor_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    overdue = fields.Boolean(
        metadata={
            "description": (
                "true: only overdue partnerships (fewer meetings held than owed in the "
                "program's last complete local week, or in a stage longer than its review "
                "cadence); false: only the others."
            )
        }
    )
    sort = sort_field(PARTNERSHIP_SORTS, "id")
