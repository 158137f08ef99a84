"""Schemas of the care record: identification entries, plans and activities, meetings,
supervision sessions, reviews and their ratings."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from ..models import CANCELLED_BY, DOMAINS, IDENTIFICATION_KINDS, REVIEW_OUTCOMES
from .common import (
    LINE_LENGTH,
    MAX_INT,
    NAME_LENGTH,
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

LOGGED_MEETING_STATUSES = ("held", "cancelled", "no_show")
MEETING_STATUSES = ("scheduled", *LOGGED_MEETING_STATUSES)
SUPERVISION_STATUSES = ("scheduled", "held", "cancelled", "no_show")
MAX_MEETING_MINUTES = 1440
MAX_SUPERVISION_MINUTES = 480


def _ids(maximum: int, **kwargs: Any) -> fields.List:
    return fields.List(object_id(), validate=[validate.Length(max=maximum), _distinct], **kwargs)


def _distinct(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Name each id once.")


class _CorrectionQuerySchema(PageQuerySchema):
    include_superseded = fields.Boolean(
        load_default=False,
        metadata={"description": "Include entries that a correction has superseded."},
    )


# --- identification -------------------------------------------------------------------


class IdentificationEntryCreateSchema(StrictSchema):
    """``POST /partnerships/<id>/identification-entries``: what identification found.

    ``kind``: the client's own voice, an observation, or others' report (which names its
    ``source``). With ``supersedes_id`` the entry corrects an earlier one.
    """

    kind = one_of(IDENTIFICATION_KINDS, required=True)
    domain = one_of(DOMAINS, required=True)
    statement = bounded_string(NOTE_LENGTH, required=True)
    breaks_where = bounded_string(LINE_LENGTH, allow_none=True)
    breaks_when = bounded_string(LINE_LENGTH, allow_none=True)
    how_it_broke = bounded_string(NOTE_LENGTH, allow_none=True)
    source = bounded_string(NAME_LENGTH, allow_none=True)
    supersedes_id = object_id(allow_none=True)

    @validates_schema
    def _others_report_names_source(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("kind") == "others_report" and not data.get("source"):
            raise ValidationError(
                "Others' report needs its source (who reported it).", field_name="source"
            )


class IdentificationEntrySchema(StrictSchema):
    """An identification entry as the API shows it."""

    id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    domain = fields.String(required=True)
    statement = fields.String(required=True)
    breaks_where = fields.String(allow_none=True)
    breaks_when = fields.String(allow_none=True)
    how_it_broke = fields.String(allow_none=True)
    source = fields.String(allow_none=True)
    author_id = fields.String(required=True)
    supersedes_id = fields.Integer(allow_none=True)
    superseded_by_id = fields.Integer(allow_none=True)
    recorded_at = AwareDateTime(required=True)


class IdentificationListQuerySchema(_CorrectionQuerySchema):
    """``GET /partnerships/<id>/identification-entries`` parameters."""

    kind = one_of(IDENTIFICATION_KINDS)
    domain = one_of(DOMAINS)
    sort = sort_field(("id", "recorded_at"), "id")


# --- plans ----------------------------------------------------------------------------


class ActivityCreateSchema(StrictSchema):
    """One planned activity: its domain, aim, planned frequency and what it answers."""

    domain = one_of(DOMAINS, required=True)
    aim = bounded_string(LINE_LENGTH, required=True)
    description = bounded_string(NOTE_LENGTH, allow_none=True)
    per_week = bounded_integer(1, 21, allow_none=True)
    answers = _ids(
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


# --- meetings -------------------------------------------------------------------------


class MeetingOutcomeSchema(StrictSchema):
    """``POST /meetings/<id>/outcome``: how a scheduled meeting went.

    ``held`` needs ``minutes``; ``cancelled`` needs ``cancelled_by``; minutes, activities
    and notes belong to held meetings only.
    """

    status = one_of(LOGGED_MEETING_STATUSES, required=True)
    minutes = bounded_integer(0, MAX_MEETING_MINUTES, allow_none=True)
    cancelled_by = one_of(CANCELLED_BY, allow_none=True)
    activities_done = _ids(
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


class MeetingListQuerySchema(_CorrectionQuerySchema):
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
        validate=[validate.Length(min=2, max=30), _distinct],
        metadata={"description": "The partner's partnerships that took part (2 to 30)."},
    )
    scheduled_at = AwareDateTime(required=True)
    minutes = bounded_integer(0, MAX_MEETING_MINUTES, required=True)


class GroupActivitySchema(StrictSchema):
    """A logged group activity: its group id and one meeting per partnership."""

    group_id = fields.String(required=True)
    meetings = fields.List(fields.Nested(MeetingSchema), required=True)


# --- supervision ----------------------------------------------------------------------


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
    partnership_ids = _ids(
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


# --- reviews --------------------------------------------------------------------------


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


class ReviewListQuerySchema(_CorrectionQuerySchema):
    """``GET /partnerships/<id>/reviews`` parameters."""

    sort = sort_field(("id", "held_at"), "held_at")
