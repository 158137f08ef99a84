"""Reading JSON request bodies: content type, size, syntax, then the marshmallow schema.

Each failure becomes the one error shape: 415 for a wrong content type, 413 for an
oversized body, 400 for malformed JSON, 422 naming every field at fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from marshmallow import Schema, ValidationError

from ..errors import TPMError, ValidationFailed
from ._hostile import parsed_body, too_large


def json_body() -> Any:
    """The request's JSON body, parsed, after the content type and size checks (the input
    guard has parsed it already, depth-checked, for every API request that has one)."""
    if not request.is_json:
        raise TPMError(
            "Send the body as JSON with 'Content-Type: application/json'.",
            status=415,
            code="unsupported_media_type",
        )
    parsed = parsed_body()
    if parsed is not None:
        return parsed
    limit = current_app.config["TPM_MAX_BODY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    raw = request.get_data(cache=True)
    if len(raw) > limit:
        raise too_large(limit)
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise TPMError(f"The body is not valid JSON ({error}).", code="malformed_json") from None


def load(schema: Schema, data: Any | None = None, *, partial: bool = False) -> Any:
    """Validate ``data`` (default: the JSON body) with ``schema``.

    Raises:
        ValidationFailed: with every failing field, as dotted paths.
    """
    payload = json_body() if data is None else data
    try:
        return schema.load(payload, partial=partial)
    except ValidationError as error:
        raise ValidationFailed(
            "The request is not valid; see the messages for each field.",
            fields=flatten_messages(error.messages),
        ) from None


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as ``{"dotted.path": ["sentence", …]}``."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "_body": list(messages)}
    if isinstance(messages, str):
        return {prefix or "_body": [messages]}
    flat: dict[str, list[str]] = {}
    items = messages.items() if isinstance(messages, Mapping) else enumerate(messages)
    for key, value in items:
        path = f"{prefix}.{key}" if prefix else str(key)
        if key == "_schema":
            path = prefix or "_body"
        for field_path, texts in flatten_messages(value, path).items():
            flat.setdefault(field_path, []).extend(texts)
    return flat
