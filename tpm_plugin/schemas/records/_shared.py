"""What the care-record schemas share: lists of ids, and the query of a corrected record."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from ..common import PageQuerySchema, object_id


def id_list(maximum: int, **kwargs: Any) -> fields.List:
    """A list of at most ``maximum`` ids, each named once."""
    return fields.List(object_id(), validate=[validate.Length(max=maximum), distinct], **kwargs)


def distinct(values: list[Any]) -> None:
    """Validator: each value named once."""
    if len(set(values)) != len(values):
        raise ValidationError("Name each id once.")


class CorrectionQuerySchema(PageQuerySchema):
    """A page of a care record that corrections supersede: the newest versions, or
    with ``include_superseded`` the superseded ones too."""

    include_superseded = fields.Boolean(
        load_default=False,
        metadata={"description": "Include entries that a correction has superseded."},
    )
