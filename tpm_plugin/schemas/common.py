"""Building blocks every API schema uses: strictness, bounded strings, aware timestamps,
bounded integers, pagination and the list envelope.

Every schema derives from :class:`StrictSchema` (unknown fields are an error, so a body can
never set a column the endpoint does not name). Every string is bounded and refuses the
characters a database cannot store; every timestamp carries a timezone.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

#: Lengths used across the schemas: a name or label, one line of text, and a care note.
NAME_LENGTH = 200
LINE_LENGTH = 500
NOTE_LENGTH = 10_000

#: The largest id or count the database's INTEGER columns hold.
MAX_INT = 2**31 - 1

#: Timestamps outside these years are typing mistakes, and would overflow date arithmetic.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


class StrictSchema(Schema):
    """Base of every API schema: unknown fields are rejected with "Unknown field."."""

    class Meta:
        unknown = RAISE


def _storable(value: str) -> None:
    # PostgreSQL refuses NUL in text, and a lone surrogate cannot be encoded as UTF-8:
    # both would otherwise surface as a 500 from the driver.
    if "\x00" in value:
        raise ValidationError("Must not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Must be valid Unicode text.") from None


def bounded_string(
    max_length: int, *, required: bool = False, allow_none: bool = False, **kwargs: Any
) -> fields.String:
    """A string field of at most ``max_length`` characters.

    Required strings must also be non-empty. Storable-text checks (no NUL, valid Unicode)
    apply to every string. Extra keyword arguments go to :class:`marshmallow.fields.String`.
    """
    minimum = 1 if required else 0
    validators = [validate.Length(min=minimum, max=max_length), _storable]
    return fields.String(required=required, allow_none=allow_none, validate=validators, **kwargs)


def bounded_integer(minimum: int = 0, maximum: int = MAX_INT, **kwargs: Any) -> fields.Integer:
    """A strict integer field (``"5"`` is a wrong type in a JSON body) within a range."""
    return fields.Integer(strict=True, validate=validate.Range(minimum, maximum), **kwargs)


def object_id(**kwargs: Any) -> fields.Integer:
    """A strict integer id field (1 … the largest INTEGER)."""
    return bounded_integer(1, MAX_INT, **kwargs)


def one_of(choices: tuple[str, ...], **kwargs: Any) -> fields.String:
    """A string field that must be one of ``choices``."""
    return fields.String(validate=validate.OneOf(choices), **kwargs)


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 timestamp with a timezone; naive ones are rejected, output is UTC."""

    default_error_messages = {
        "invalid_awareness": (
            "Give a timezone-aware ISO 8601 timestamp, such as 2024-05-01T15:30:00+02:00."
        ),
        "out_of_range": f"Must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return moment.astimezone(dt.UTC)


class BoundedDate(fields.Date):
    """An ISO 8601 date within the plausible years."""

    default_error_messages = {
        "out_of_range": f"Must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR}.",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dt.date:
        day = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return day


def _default_page_size() -> int:
    return int(current_app.config["TPM_DEFAULT_PAGE_SIZE"])


class PageQuerySchema(StrictSchema):
    """Query parameters of every list endpoint: ``page`` (from 1) and ``page_size``.

    ``page_size`` defaults to ``TPM_DEFAULT_PAGE_SIZE`` and may not exceed
    ``TPM_MAX_PAGE_SIZE`` (422 naming ``page_size``). Subclasses add their filters and a
    validated ``sort``.
    """

    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_INT))
    page_size = fields.Integer(load_default=_default_page_size, validate=validate.Range(min=1))

    @validates("page_size")
    def _page_size_bounded(self, value: int, **kwargs: Any) -> None:
        maximum = int(current_app.config["TPM_MAX_PAGE_SIZE"])
        if value > maximum:
            raise ValidationError(f"Must be at most {maximum} (TPM_MAX_PAGE_SIZE).")


def sort_field(keys: tuple[str, ...], default: str) -> fields.String:
    """The ``sort`` parameter: one of ``keys``, each also allowed with a leading ``-`` for
    descending order. Lists always break ties by id, so the order is stable."""
    choices = tuple(keys) + tuple(f"-{key}" for key in keys)
    return fields.String(load_default=default, validate=validate.OneOf(choices))


class PageSchema(StrictSchema):
    """The list envelope: ``{"items": [...], "page", "page_size", "total"}``."""

    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total = fields.Integer(required=True)


@cache
def page_of(item_schema: type[Schema]) -> type[PageSchema]:
    """The list envelope schema for ``item_schema`` (one class per item schema, named
    ``<Item>PageSchema`` so the OpenAPI document shows it under a stable name)."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (PageSchema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "__doc__": f"A page of {item_schema.__name__.removesuffix('Schema')} items.",
        },
    )
