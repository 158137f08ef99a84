"""Schemas of meetings (planned, held, cancelled, missed) and group activities."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ...models import CANCELLED_BY
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
from ._shared import CorrectionQuerySchema, distinct, id_list

LOGGED_MEETING_STATUSES = ("held", "cancelled", "no_show")
MEETING_STATUSES = ("scheduled", *LOGGED_MEETING_STATUSES)
MAX_MEETING_MINUTES = 1440


class MeetingOutcomeSchema(StrictSchema):
    """``POST /meetings/<id>/outcome``: how a scheduled meeting went.

    ``held`` needs ``minutes``; ``cancelled`` needs ``cancelled_by``; minutes, activities
    and notes belong to held meetings only.
    """

    status = one_of(LOGGED_MEETING_STATUSES, required=True)
    minutes = bounded_integer(0, MAX_MEETING_MINUTES, allow_none=True)
    cancelled_by = one_of(CANCELLED_BY, allow_none=True)
    activities_done = id_list(
        50,
        load_default=list,
        metadata={"description": "Ids of the planned activities done at the meeting."},
    )
    experience_note = bounded_string(NOTE_LENGTH, allow_none=True)

    @validates_schema
    def _fields_fit_status(self, data: dict[str, Any], **kwargs: Any) -> None:
        check_meeting_fields(data)


def check_meeting_fields(data: dict[str, Any]) -> None:
    """The fields of a meeting must fit its status (see :class:`MeetingOutcomeSchema`).

    Raises:
        ValidationError: naming every field that does not fit.
    """
    status = data.get("status", "scheduled")
    problems: dict[str, list[str]] = {}
    if status == "held" and data.get("minutes") is None:
        problems["minutes"] = ["A held meeting needs its length in minutes."]
    if status == "cancelled" and data.get("cancelled_by") is None:
        problems["cancelled_by"] = ["Say who cancelled: client, partner or center."]
    if status != "cancelled" and data.get("cancelled_by") is not None:
        problems["cancelled_by"] = ["Only a cancelled meeting has someone who cancelled it."]
    if status != "held":
        for name in ("minutes", "experience_note"):
            if data.get(name) is not None:
                problems[name] = ["Only a held meeting has this."]
        if data.get("activities_done"):
            problems["activities_done"] = ["Only a held meeting has activities done."]
    if problems:
        raise ValidationError(problems)


class MeetingCreateSchema(MeetingOutcomeSchema):
    """``POST /partnerships/<id>/meetings``: schedule a meeting (``status`` left out or
    ``scheduled``), log one that already happened, or correct a logged one
    (``supersedes_id``)."""

    scheduled_at = AwareDateTime(required=True)
    status = one_of(MEETING_STATUSES, load_default="scheduled")
    supersedes_id = object_id(allow_none=True)


class MeetingSchema(StrictSchema):
    """A meeting as the API shows it."""

    id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    scheduled_at = AwareDateTime(required=True)
    status = fields.String(required=True)
    cancelled_by = fields.String(allow_none=True)
    minutes = fields.Integer(allow_none=True)
    activities_done = fields.List(fields.Integer(), required=True)
    experience_note = fields.String(allow_none=True)
    logged_by = fields.String(allow_none=True)
    logged_at = AwareDateTime(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)
    superseded_by_id = fields.Integer(allow_none=True)
    group_id = fields.String(
        allow_none=True,
        metadata={"description": "Shared by the meetings of one afterschool group activity."},
    )
    created_at = AwareDateTime(required=True)


class MeetingListQuerySchema(CorrectionQuerySchema):
    """``GET /partnerships/<id>/meetings`` parameters."""

    status = one_of(MEETING_STATUSES)
    scheduled_from = AwareDateTime()
    scheduled_before = AwareDateTime()
    sort = sort_field(("id", "scheduled_at"), "scheduled_at")


class GroupActivityCreateSchema(StrictSchema):
    """``POST /group-activities``: one held activity a partner of an afterschool program did
    with several of their clients; each partnership gets its own meeting record."""

    partnership_ids = fields.List(
        object_id(),
        required=True,
        validate=[validate.Length(min=2, max=30), distinct],
        metadata={"description": "The partner's partnerships that took part (2 to 30)."},
    )
    scheduled_at = AwareDateTime(required=True)
    minutes = bounded_integer(0, MAX_MEETING_MINUTES, required=True)


class GroupActivitySchema(StrictSchema):
    """A logged group activity: its group id and one meeting per partnership."""

    group_id = fields.String(required=True)
    meetings = fields.List(fields.Nested(MeetingSchema), required=True)
