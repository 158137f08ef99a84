"""Supervision scheduling in the API: weekly windows, blocked times and absences."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from .common import StrictSchema
from .rhythm import WEEKDAYS, WeekdayField

#: The most weekly windows one supervisor or partner may keep (three a day).
MAX_WINDOWS = 21


class WeeklyWindowSchema(StrictSchema):
    """A weekly stretch of wall-clock time in the program's timezone."""

    weekday = WeekdayField(required=True, metadata={"enum": list(WEEKDAYS)})
    starts_at = fields.Time(
        required=True, format="%H:%M", metadata={"description": "Local time, HH:MM (24 h)."}
    )
    ends_at = fields.Time(
        required=True, format="%H:%M", metadata={"description": "Local time, HH:MM (24 h)."}
    )

    @validates_schema
    def _in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "starts_at" in data and "ends_at" in data and data["starts_at"] >= data["ends_at"]:
            raise ValidationError("Must be later than starts_at.", field_name="ends_at")


class WindowsUpdateSchema(StrictSchema):
    """The body of ``PUT`` availability or blocked times: every weekly window."""

    windows = fields.List(
        fields.Nested(WeeklyWindowSchema), required=True, validate=validate.Length(max=MAX_WINDOWS)
    )

    @validates_schema
    def _apart(self, data: dict[str, Any], **kwargs: Any) -> None:
        ordered = sorted(
            enumerate(data.get("windows", [])), key=lambda w: (w[1]["weekday"], w[1]["starts_at"])
        )
        for (_, before), (index, after) in zip(ordered, ordered[1:], strict=False):
            if before["weekday"] == after["weekday"] and after["starts_at"] < before["ends_at"]:
                raise ValidationError(
                    f"Overlaps the {WEEKDAYS[before['weekday']]} window starting "
                    f"{before['starts_at']:%H:%M}.",
                    field_name=f"windows.{index}",
                )


class AvailabilitySchema(StrictSchema):
    """A supervisor's weekly windows and the timezone they are read in."""

    supervisor_id = fields.Integer()
    timezone = fields.String()
    windows = fields.List(fields.Nested(WeeklyWindowSchema))


class BlockedTimesSchema(StrictSchema):
    """A partner's weekly blocked times and the timezone they are read in."""

    partner_id = fields.Integer()
    timezone = fields.String()
    windows = fields.List(fields.Nested(WeeklyWindowSchema))


class AbsenceCreateSchema(StrictSchema):
    """The body of ``POST /supervisors/<id>/absences``."""

    starts_on = fields.Date(required=True, metadata={"description": "First local day away."})
    ends_on = fields.Date(required=True, metadata={"description": "Last local day away."})
    cover_supervisor_id = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=2**31 - 1)
    )

    @validates_schema
    def _in_order(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "starts_on" in data and "ends_on" in data and data["starts_on"] > data["ends_on"]:
            raise ValidationError("Must be on or after starts_on.", field_name="ends_on")


class AbsenceSchema(StrictSchema):
    """An absence of a supervisor, with its cover."""

    id = fields.Integer()
    supervisor_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    cover_supervisor_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class AbsenceListSchema(StrictSchema):
    """A supervisor's absences, earliest first."""

    items = fields.List(fields.Nested(AbsenceSchema))


class WeekQuerySchema(StrictSchema):
    """``GET /supervisors/<id>/week``: ``date``, any local day of the week (default today)."""

    date = fields.Date(load_default=None)


class StageChangeSchema(StrictSchema):
    """A stage change on an agenda."""

    from_ = fields.String(data_key="from", attribute="from", allow_none=True)
    to = fields.String()
    at = fields.AwareDateTime()


class AgendaItemSchema(StrictSchema):
    """One partnership on a block's agenda, in ids and numbers; the client's first name and
    the partner's name only for a viewer who may read the partnership (else null)."""

    partnership_id = fields.Integer()
    stage = fields.String()
    meetings_held_last_week = fields.Integer()
    meetings_target_last_week = fields.Float()
    missed_weeks = fields.List(fields.Date())
    review_due_at = fields.AwareDateTime(allow_none=True)
    stage_changes = fields.List(fields.Nested(StageChangeSchema))
    crisis_cadences = fields.List(fields.Integer())
    client_first_name = fields.String(allow_none=True)
    partner_name = fields.String(allow_none=True)


class BlockPartSchema(StrictSchema):
    """One session of a block."""

    session_id = fields.Integer()
    starts_at = fields.AwareDateTime()
    minutes = fields.Integer()
    status = fields.String()


class BlockSchema(StrictSchema):
    """A supervision block and its agenda."""

    partner_id = fields.Integer()
    supervisor_id = fields.Integer()
    covering_for = fields.Integer(allow_none=True)
    parts = fields.List(fields.Nested(BlockPartSchema))
    split = fields.Boolean()
    minutes = fields.Integer()
    agenda = fields.List(fields.Nested(AgendaItemSchema))
    partner_name = fields.String(
        allow_none=True,
        metadata={"description": "Null unless the viewer may read a partnership on the agenda."},
    )


class UnplacedSchema(StrictSchema):
    """Supervision work that found no place, and why."""

    partner_id = fields.Integer()
    minutes = fields.Integer()
    reason = fields.String()


class SupervisorWeekSchema(StrictSchema):
    """A supervisor's week: blocks with agendas, and unplaced work with reasons."""

    supervisor_id = fields.Integer()
    timezone = fields.String()
    week_starts_on = fields.Date()
    blocks = fields.List(fields.Nested(BlockSchema))
    unplaced = fields.List(fields.Nested(UnplacedSchema))
