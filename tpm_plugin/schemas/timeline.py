"""Schemas of a partnership's timeline: everything that happened, newest first."""

from __future__ import annotations

from marshmallow import fields

from .common import AwareDateTime, PageQuerySchema, StrictSchema, one_of

#: The kinds of event a timeline shows, in the order of the services' timeline sources
#: (what ``?kind=`` may name).
TIMELINE_KINDS = (
    "transition",
    "migration",
    "identification",
    "plan",
    "meeting",
    "supervision",
    "review",
)


class TimelineItemSchema(StrictSchema):
    """One event of a partnership's timeline (ids and short values only; open the record
    at its own address for its text)."""

    kind = fields.String(
        required=True,
        metadata={"description": f"One of: {', '.join(TIMELINE_KINDS)}."},
    )
    id = fields.Integer(required=True, metadata={"description": "The row's id in its own kind."})
    occurred_at = AwareDateTime(required=True)
    actor_id = fields.String(allow_none=True)
    correction = fields.Boolean(
        required=True, metadata={"description": "This entry corrects an earlier one."}
    )
    corrects_id = fields.Integer(allow_none=True)
    superseded_by_id = fields.Integer(
        allow_none=True, metadata={"description": "A later entry corrected this one."}
    )
    details = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "What the event was, by name (stages, status, minutes, …)."},
    )


class TimelineQuerySchema(PageQuerySchema):
    """``GET /partnerships/<id>/timeline`` parameters: the page, and ``kind`` to show one
    kind of event only."""

    kind = one_of(TIMELINE_KINDS)
