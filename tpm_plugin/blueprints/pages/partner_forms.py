"""Reading the partner's HTML forms with the API's own schemas.

A form posts strings; the API's schemas take JSON. :func:`load_form` gives a schema the
form's values for its fields only (an empty box is a value left out, a list field takes every
value posted under its name), so a form is validated exactly as the same request to the API
would be, and field messages come back keyed by the same dotted paths the API's error shape
uses (``activities.0.aim``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from ...errors import TPMError, ValidationFailed


class FormErrors(Exception):
    """A form to show again: its field messages (dotted paths) and the page's status."""

    def __init__(self, fields: dict[str, list[str]], status: int = 422, message: str = "") -> None:
        super().__init__(message)
        self.fields = fields
        self.status = status
        self.message = message


#: A form shown for the first time: no messages, status 200.
FIRST_VIEW = FormErrors({}, 200)


def form_values(names: Iterable[str]) -> dict[str, str]:
    """The posted values of ``names``, stripped (empty ones left out)."""
    values: dict[str, str] = {}
    for name in names:
        value = request.form.get(name, "").strip()
        if value:
            values[name] = value
    return values


def number(value: str) -> int | str:
    """A box's whole number as an int, for the API's strict integer fields; anything else
    as typed, so the schema names the field it does not fit."""
    text = value.strip()
    return int(text) if text.lstrip("-").isdigit() and len(text) < 20 else value


def load_form(schema: Schema, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` loaded by ``schema``.

    Raises:
        FormErrors: the schema's messages per field (422).
    """
    try:
        return schema.load(data)
    except ValidationError as error:
        raise FormErrors(flatten(error.messages)) from None


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as ``{"dotted.path": [message, …]}``."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten(value, path))
        return flat
    if isinstance(messages, list) and all(isinstance(item, str) for item in messages):
        return {prefix or "_schema": list(messages)}
    return {prefix or "_schema": [str(messages)]}


def service_errors(error: TPMError) -> FormErrors:
    """A service's refusal of a form as :class:`FormErrors` (its status; field messages when
    it names fields, otherwise its message above the form). Raises ``error`` again when it is
    no refusal of the form's content (401/403/404: the page's error page says it)."""
    if error.status in (401, 403, 404):
        raise error
    fields = dict(error.fields) if isinstance(error, ValidationFailed) else {}
    return FormErrors(fields, error.status, error.message)
