"""Schemas of identification entries: the client's own voice, and what was observed and
reported."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from ...models import DOMAINS, IDENTIFICATION_KINDS
from ..common import (
    LINE_LENGTH,
    NAME_LENGTH,
    NOTE_LENGTH,
    AwareDateTime,
    StrictSchema,
    bounded_string,
    object_id,
    one_of,
    sort_field,
)
from ._shared import CorrectionQuerySchema


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


class IdentificationListQuerySchema(CorrectionQuerySchema):
    """``GET /partnerships/<id>/identification-entries`` parameters."""

    kind = one_of(IDENTIFICATION_KINDS)
    domain = one_of(DOMAINS)
    sort = sort_field(("id", "recorded_at"), "id")
