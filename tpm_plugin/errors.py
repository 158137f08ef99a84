"""The project's one JSON error shape, and the exception every service raises.

Every error the API answers looks like::

    {"error": {"status": 422, "code": "validation_error",
               "message": "The request body is not valid.",
               "fields": {"minutes": ["Must be greater than or equal to 0."]}}}

``fields`` is present only when particular fields are at fault. Messages never carry
names, dates of birth or note text: they name fields and ids only.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from werkzeug.exceptions import HTTPException


class TPMError(Exception):
    """A failure with an HTTP status, a stable machine-readable code and a sentence.

    Args:
        status: the HTTP status the API answers with.
        code: a stable snake_case code clients can branch on.
        message: a sentence a developer can act on.
        fields: per-field messages, keyed by the field's (dotted) path.
        extra: further JSON-safe detail, such as the current stage on a conflict.
    """

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}

    def to_dict(self) -> dict[str, Any]:
        """The error as the API's JSON body."""
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        body.update(self.extra)
        return {"error": body}


class ValidationFailed(TPMError):
    """A body or parameter failed validation (422), with per-field messages."""

    status = 422
    code = "validation_error"


class NotFound(TPMError):
    """The object does not exist *or* the actor may not know it exists (404)."""

    status = 404
    code = "not_found"


class Forbidden(TPMError):
    """The actor is known but their role may not do this (403)."""

    status = 403
    code = "forbidden"


class Unauthenticated(TPMError):
    """No actor: the host's login did not identify anyone (401)."""

    status = 401
    code = "unauthenticated"


class Conflict(TPMError):
    """The request clashes with the current state, such as a stage changed underneath (409)."""

    status = 409
    code = "conflict"


def error_response(error: TPMError) -> Response:
    """Render a :class:`TPMError` in the one error shape."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    return response


def http_error_response(error: HTTPException) -> Response:
    """Render a werkzeug HTTP error (404, 405, 415, 413, …) in the one error shape."""
    code = (error.name or "error").lower().replace(" ", "_").replace("'", "")
    status = error.code or 500
    message = error.description or error.name
    response = error_response(TPMError(message, status=status, code=code))
    # Keep what the error says beyond its body, such as Allow on a 405.
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
