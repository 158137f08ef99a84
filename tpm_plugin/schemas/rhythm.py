"""The meeting rhythm in the API: preferred weekly times and the supervisor's misses."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from .common import StrictSchema, page_of

#: Weekday names, Monday first (their index is the stored ``weekday``).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: The most preferred times a partnership may keep (two a day).
MAX_PREFERRED_TIMES = 14


class WeekdayField(fields.Field):
    """A weekday by its English name, stored as 0 (Monday) … 6 (Sunday)."""

    default_error_messages = {"invalid": f"Must be one of: {', '.join(WEEKDAYS)}."}

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else WEEKDAYS[value]

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if not isinstance(value, str) or value.lower() not in WEEKDAYS:
            raise self.make_error("invalid")
        return WEEKDAYS.index(value.lower())


class WeeklyTimeSchema(StrictSchema):
    """One preferred weekly time, on the program's wall clock."""

    weekday = WeekdayField(required=True, metadata={"enum": list(WEEKDAYS)})
    time = fields.Time(
        required=True, format="%H:%M", metadata={"description": "Local time, HH:MM (24 h)."}
    )


class PreferredTimesUpdateSchema(StrictSchema):
    """The body of ``PUT /partnerships/<id>/preferred-times``: every preferred time."""

    times = fields.List(
        fields.Nested(WeeklyTimeSchema),
        required=True,
        validate=validate.Length(max=MAX_PREFERRED_TIMES),
    )

    @validates_schema
    def _distinct(self, data: dict[str, Any], **kwargs: Any) -> None:
        seen = set()
        for index, time in enumerate(data.get("times", [])):
            key = (time["weekday"], time["time"])
            if key in seen:
                raise ValidationError(
                    f"{WEEKDAYS[key[0]]} at {key[1]:%H:%M} is listed twice.",
                    field_name=f"times.{index}",
                )
            seen.add(key)


class PreferredTimesSchema(StrictSchema):
    """A partnership's preferred weekly times and the timezone they are read in."""

    partnership_id = fields.Integer()
    timezone = fields.String()
    times = fields.List(fields.Nested(WeeklyTimeSchema))


class MissedWeekSchema(StrictSchema):
    """A program-local week a partnership ended below its meetings target."""

    id = fields.Integer()
    partnership_id = fields.Integer()
    week_starts_on = fields.Date()
    meetings_target = fields.Integer()
    meetings_held = fields.Integer()
    flagged_at = fields.AwareDateTime()


MissedWeekPageSchema = page_of(MissedWeekSchema)
