"""The OpenAPI 3 document of the JSON API, served at ``GET <prefix>/api/openapi.json``.

It is built with apispec from what is actually registered: every route of the API's route
table, described by the :func:`~tpm_plugin.blueprints._openapi.operation` its view carries
(marshmallow schemas for the query, body and response, the error statuses). Errors share
one component, ``Error``, the project's one error shape. The document is built once per
app, on first request, and cached.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask import Flask, Response, current_app, jsonify
from marshmallow import Schema, fields

from .._version import __version__
from ._idempotency import HEADER, MAX_KEY_LENGTH, REPLAYED_HEADER
from ._openapi import Operation, operation
from ._routes import MAX_ID, Route, RouteTable

OPENAPI_VERSION = "3.0.3"

_documents: weakref.WeakKeyDictionary[Flask, dict[str, Any]] = weakref.WeakKeyDictionary()

#: ``<converter(arguments):name>`` in a werkzeug rule.
_RULE_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")

_STATUS_TEXT = {
    200: "OK.",
    201: "Created.",
    204: "No content.",
    400: "Malformed request (invalid JSON, a bad header).",
    401: "Nobody is logged in.",
    403: "Your role may not do this.",
    404: "No such object within your reach.",
    405: "Method not allowed.",
    409: "Conflicts with the current state, or the same Idempotency-Key is still running.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "A field is not valid; the error names it.",
    503: "The database or the queue does not answer.",
}


class GuardReasonSchema(Schema):
    """A guard that blocked a transition, and why."""

    guard = fields.String(required=True)
    message = fields.String(required=True)


class ErrorDetailSchema(Schema):
    """The body of every error: status, a stable code, a sentence, and per-field messages.

    Some conflicts add detail a client can act on (``TPMError.extra``); each key is declared
    here so the document stays closed (``additionalProperties: false``) and a new key has to
    be described before a response may carry it.
    """

    status = fields.Integer(required=True)
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.List(fields.String())
    )
    stage = fields.String(allow_none=True, metadata={"description": "The partnership's stage now."})
    available = fields.List(
        fields.String(), metadata={"description": "Triggers the actor may fire from `stage`."}
    )
    reasons = fields.List(
        fields.Nested(GuardReasonSchema), metadata={"description": "The guards that blocked."}
    )
    status_now = fields.String(metadata={"description": "The record's status now."})
    superseded_by_id = fields.Integer(
        allow_none=True, metadata={"description": "The entry that corrected this one."}
    )
    newest_version = fields.Integer(
        allow_none=True, metadata={"description": "The workflow's newest published version."}
    )


class ErrorSchema(Schema):
    """The API's one error shape."""

    error = fields.Nested(ErrorDetailSchema, required=True)


def build_document(routes: RouteTable, api_prefix: str) -> dict[str, Any]:
    """The OpenAPI document of every route in ``routes``, mounted under ``api_prefix``."""
    spec = APISpec(
        title="Therapeutic Partnership Model API",
        version=__version__,
        openapi_version=OPENAPI_VERSION,
        plugins=[MarshmallowPlugin(schema_name_resolver=_name_resolver())],
        info={
            "description": (
                "Partnerships, their care records, workflows and fidelity. Identity comes "
                "from the host application's login. Every POST accepts an optional "
                f"`{HEADER}` header (draft-ietf-httpapi-idempotency-key-header)."
            )
        },
    )
    spec.components.schema("Error", schema=ErrorSchema)
    for path, route_group in _by_path(routes, api_prefix).items():
        operations = {}
        for route in route_group:
            for method in sorted(route.methods):
                operations[method.lower()] = _operation(route, method)
        spec.path(path=path, operations=operations, parameters=_path_parameters(route_group[0]))
    return spec.to_dict()


def _name_resolver():
    """Component names from class names (``MeetingSchema`` -> ``Meeting``); two route
    modules' classes that share a name get numbered, deterministically, in route order."""
    names: dict[tuple[Any, ...], str] = {}

    def resolve(schema: Any) -> str:
        cls = resolve_schema_cls(schema)
        # An instance with ``only``/``exclude`` is a different shape from its class.
        only = getattr(schema, "only", None) or ()
        exclude = getattr(schema, "exclude", None) or ()
        key = (cls, tuple(sorted(only)), tuple(sorted(exclude)))
        if key not in names:
            base = cls.__name__.removesuffix("Schema") or cls.__name__
            taken = set(names.values())
            name, number = base, 2
            while name in taken:
                name, number = f"{base}{number}", number + 1
            names[key] = name
        return names[key]

    return resolve


def _by_path(routes: RouteTable, api_prefix: str) -> dict[str, list[Route]]:
    grouped: dict[str, list[Route]] = {}
    for route in routes:
        path = api_prefix + _RULE_VARIABLE.sub(lambda m: "{" + m["name"] + "}", route.rule)
        grouped.setdefault(path, []).append(route)
    return grouped


def _path_parameters(route: Route) -> list[dict[str, Any]]:
    parameters = []
    for match in _RULE_VARIABLE.finditer(route.rule):
        if match["converter"] == "int":
            # The API's int converter matches ids 1 … MAX_ID only; others are 404.
            schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        else:
            schema = {"type": "string", "minLength": 1, "maxLength": 200}
        parameters.append({"in": "path", "name": match["name"], "required": True, "schema": schema})
    return parameters


def _operation(route: Route, method: str) -> dict[str, Any]:
    described: Operation | None = getattr(route.view, "tpm_operation", None)
    doc = (route.view.__doc__ or "").strip()
    summary, _, description = doc.partition("\n")
    result: dict[str, Any] = {
        "operationId": route.endpoint,
        "summary": summary or route.endpoint.replace("_", " "),
        "tags": list(described.tags) if described else ["service"],
        "responses": {},
    }
    if description.strip():
        result["description"] = description.strip()
    parameters: list[dict[str, Any]] = []
    if described and described.query is not None:
        parameters.append({"in": "query", "schema": described.query})
    if method == "POST":
        parameters.append(
            {
                "in": "header",
                "name": HEADER,
                "required": False,
                "description": "Makes a retry safe: a repeat returns the first answer.",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
            }
        )
    if parameters:
        result["parameters"] = parameters
    if described and described.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": described.body}},
        }
    status = described.status if described else 200
    success: dict[str, Any] = {"description": _STATUS_TEXT.get(status, "Success.")}
    if described and described.response is not None:
        schema: Any = described.response
        if described.many:
            schema = {"type": "array", "items": described.response}
        success["content"] = {"application/json": {"schema": schema}}
    for media_type in described.alternatives if described else ():
        success.setdefault("content", {})[media_type] = {"schema": {"type": "string"}}
    if method == "POST":
        success["headers"] = {
            REPLAYED_HEADER: {
                "description": "`true` when this is the stored answer to an earlier request.",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    result["responses"][str(status)] = success
    errors = described.errors if described else ()
    if method == "POST":
        errors = (*errors, 400, 409, 422)
    for code in sorted(set(errors)):
        result["responses"][str(code)] = {
            "description": _STATUS_TEXT.get(code, "Error."),
            "content": {"application/json": {"schema": "Error"}},
        }
    return result


@operation(tags=["service"], errors=())
def openapi_document() -> Response:
    """The API's OpenAPI 3 document."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    document = _documents.get(app)
    if document is None:
        routes = app.extensions["tpm"].api_routes
        document = build_document(routes, f"{app.config['TPM_URL_PREFIX']}/api")
        _documents[app] = document
    return jsonify(document)


def register(routes: RouteTable) -> None:
    """Serve the document at ``/openapi.json``."""
    routes.add_url_rule("/openapi.json", "openapi_document", openapi_document, methods=["GET"])
