"""The client export and erasure results.

The export shows every column of every row, so its row schemas are derived from the tables
themselves: a column added to a care table is exported without anyone remembering to.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import JSON, Boolean, Date, Integer, String, Table, Text

from ..models import (
    Client,
    IdentificationEntry,
    Meeting,
    Partnership,
    PartnershipMigration,
    Plan,
    PlannedActivity,
    Review,
    ReviewRating,
    SupervisionSession,
    TransitionAudit,
    UTCDateTime,
    activity_answers,
    supervision_discussed,
)
from .common import StrictSchema


def _field_for(column: Any) -> fields.Field:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return fields.DateTime(format="iso", allow_none=True)
    if isinstance(kind, Date):
        return fields.Date(allow_none=True)
    if isinstance(kind, Boolean):
        return fields.Boolean(allow_none=True)
    if isinstance(kind, Integer):
        return fields.Integer(allow_none=True)
    if isinstance(kind, String | Text):
        return fields.String(allow_none=True)
    if isinstance(kind, JSON):
        return fields.Raw(allow_none=True)
    raise TypeError(f"No export field for column {column} of type {kind!r}.")


def _row_schema(table: Table, name: str) -> type[StrictSchema]:
    """A schema dumping every column of ``table``, all present (``None`` when empty)."""
    attributes: dict[str, Any] = {column.key: _field_for(column) for column in table.columns}
    attributes["__doc__"] = f"One row of {table.name}, every column."
    for field in attributes.values():
        if isinstance(field, fields.Field):
            field.required = True
    return type(f"Export{name}Schema", (StrictSchema,), attributes)


ExportClientSchema = _row_schema(Client.__table__, "Client")
_ROWS = {
    "partnerships": _row_schema(Partnership.__table__, "Partnership"),
    "identification_entries": _row_schema(IdentificationEntry.__table__, "IdentificationEntry"),
    "plans": _row_schema(Plan.__table__, "Plan"),
    "planned_activities": _row_schema(PlannedActivity.__table__, "PlannedActivity"),
    "activity_answers": _row_schema(activity_answers, "ActivityAnswer"),
    "meetings": _row_schema(Meeting.__table__, "Meeting"),
    "reviews": _row_schema(Review.__table__, "Review"),
    "review_ratings": _row_schema(ReviewRating.__table__, "ReviewRating"),
    "supervision_sessions": _row_schema(SupervisionSession.__table__, "SupervisionSession"),
    "supervision_discussed": _row_schema(supervision_discussed, "SupervisionDiscussed"),
    "transitions": _row_schema(TransitionAudit.__table__, "Transition"),
    "migrations": _row_schema(PartnershipMigration.__table__, "Migration"),
}


ClientExportSchema = type(
    "ClientExportSchema",
    (StrictSchema,),
    {
        "__doc__": "Everything held about one client: every row, every column.",
        "client": fields.Nested(ExportClientSchema, required=True),
        **{
            name: fields.List(fields.Nested(schema), required=True)
            for name, schema in _ROWS.items()
        },
    },
)


class ErasureSchema(StrictSchema):
    """A client after erasure, and how many rows of each kind had their notes replaced."""

    client = fields.Nested(ExportClientSchema, required=True)
    rows_scrubbed = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    already_erased = fields.Boolean(required=True)
