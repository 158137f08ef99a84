"""Fidelity: the query (``weeks`` or ``from``/``to``) and the weekly figures it answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import ValidationError, fields, pre_dump, validate, validates_schema

from .common import BoundedDate, StrictSchema, one_of

if TYPE_CHECKING:  # only to name what the dump reads; schemas do not depend on services
    from ..services.fidelity import Fidelity, WeekFigures

#: The longest window a fidelity report covers, and the window when none is asked for.
MAX_WEEKS = 52
DEFAULT_WEEKS = 12
#: The formats a fidelity answer comes in, and the content type of each.
FIDELITY_FORMATS = {"json": "application/json", "svg": "image/svg+xml"}


class FidelityQuerySchema(StrictSchema):
    """``?weeks=N`` (the last N weeks, 1…52, default 12) or ``?from=YYYY-MM-DD&to=YYYY-MM-DD``
    (every week touching that range, in the program's timezone; at most 52 weeks), and
    ``format=json|svg`` (JSON when absent; SVG is the same weeks drawn as a chart)."""

    weeks = fields.Integer(validate=validate.Range(1, MAX_WEEKS))
    start = BoundedDate(data_key="from")
    end = BoundedDate(data_key="to")
    format = one_of(tuple(FIDELITY_FORMATS), load_default="json")

    @validates_schema
    def _one_form(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "weeks" in data and ("start" in data or "end" in data):
            raise ValidationError("Cannot be combined with 'from' or 'to'.", "weeks")
        if "start" in data and "end" in data and data["start"] > data["end"]:
            raise ValidationError("Must not be after 'to'.", "from")


class CancelledSchema(StrictSchema):
    """Meetings cancelled in a week, by who cancelled them."""

    client = fields.Integer(required=True, attribute="cancelled_by_client")
    partner = fields.Integer(required=True, attribute="cancelled_by_partner")
    center = fields.Integer(required=True, attribute="cancelled_by_center")


class WeekMeetingsSchema(StrictSchema):
    """A week's meetings against the target."""

    @pre_dump
    def _cancelled_alongside(self, week: WeekFigures, **kwargs: Any) -> dict[str, Any]:
        return {**_public(week), "cancelled": week}

    target = fields.Float(
        required=True,
        attribute="meetings_target",
        metadata={"description": "Meetings the week owes (a decimal: see owing_share)."},
    )
    held = fields.Integer(required=True, attribute="meetings_held")
    cancelled = fields.Nested(CancelledSchema, required=True)
    no_shows = fields.Integer(required=True)
    below_target = fields.Boolean(required=True, attribute="meetings_below_target")
    partnerships_below_target = fields.Integer(required=True)


class WeekSupervisionSchema(StrictSchema):
    """A week's supervision minutes delivered against the minutes owed."""

    minutes_owed = fields.Float(required=True, attribute="supervision_minutes_owed")
    minutes_delivered = fields.Float(required=True, attribute="supervision_minutes_delivered")
    below_target = fields.Boolean(required=True, attribute="supervision_below_target")


class FidelityWeekSchema(StrictSchema):
    """One week (starting Monday, local date) of fidelity figures."""

    week_start = fields.Date(required=True, attribute="monday")
    owing_share = fields.Float(
        required=True,
        metadata={
            "description": "The share of the week spent in stages that owe (0 to 1 for one "
            "partnership, summed over the partnerships of a wider scope); what the week owes "
            "is each target times this share."
        },
    )
    meetings = fields.Nested(WeekMeetingsSchema, required=True)
    supervision = fields.Nested(WeekSupervisionSchema, required=True)

    @pre_dump
    def _sections(self, week: WeekFigures, **kwargs: Any) -> dict[str, Any]:
        # Both sections read the same week's figures.
        return {
            "monday": week.monday,
            "owing_share": week.owing_share,
            "meetings": week,
            "supervision": week,
        }


class FidelitySummarySchema(StrictSchema):
    """Totals over the window."""

    weeks = fields.Integer(required=True)
    meetings_target = fields.Float(required=True)
    meetings_held = fields.Integer(required=True)
    meeting_weeks_below_target = fields.Integer(required=True)
    supervision_minutes_owed = fields.Float(required=True)
    supervision_minutes_delivered = fields.Float(required=True)
    supervision_weeks_below_target = fields.Integer(required=True)


def _public(week: WeekFigures) -> dict[str, Any]:
    names = ("meetings_target", "meetings_held", "no_shows", "partnerships_below_target")
    return {name: getattr(week, name) for name in names} | {
        "meetings_below_target": week.meetings_below_target
    }


def _summary(fidelity: Fidelity) -> dict[str, Any]:
    weeks = fidelity.weeks
    return {
        "weeks": len(weeks),
        "meetings_target": fidelity.meetings_owed,
        "meetings_held": sum(w.meetings_held for w in weeks),
        "meeting_weeks_below_target": fidelity.meeting_weeks_below_target,
        "supervision_minutes_owed": fidelity.supervision_minutes_owed,
        "supervision_minutes_delivered": round(
            sum(w.supervision_minutes_delivered for w in weeks), 1
        ),
        "supervision_weeks_below_target": fidelity.supervision_weeks_below_target,
    }


class FidelitySchema(StrictSchema):
    """Fidelity of a partnership, partner, supervisor or program, week by week."""

    scope = fields.String(required=True)
    scope_id = fields.Integer(required=True)
    timezone = fields.String(required=True)
    weeks = fields.List(fields.Nested(FidelityWeekSchema), required=True)
    summary = fields.Nested(FidelitySummarySchema, required=True)

    @pre_dump
    def _with_summary(self, fidelity: Fidelity, **kwargs: Any) -> dict[str, Any]:
        return {
            "scope": fidelity.scope,
            "scope_id": fidelity.scope_id,
            "timezone": fidelity.timezone,
            "weeks": fidelity.weeks,
            "summary": _summary(fidelity),
        }
