"""Hostile input stops at the door of the API, before any view, hook or query sees it.

Checked in this order for every request under the API prefix, so a refusal costs no more
than the request did to send:

1. a control character in the path (NUL, a newline, …): 400; no API path has one, and NUL
   would reach the database;
2. a ``Content-Length`` above ``TPM_MAX_BODY_BYTES``: 413 before a byte is read, and a
   body without one (chunked) is cut at the limit while it streams (413);
3. a route that needs a login, asked anonymously: 401, before its body or query is looked
   at (so a bad body never tells an anonymous caller what the route expects);
4. a JSON body nested deeper than :data:`MAX_JSON_DEPTH`: 400, parsed here once (the view
   and the ``Idempotency-Key`` hook then read it safely).

It runs before the ``Idempotency-Key`` hook, so a key never makes a large body be read.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, current_app, g, request

from ..access import current_actor
from ..errors import TPMError, Unauthenticated
from ._routes import RouteTable

#: The deepest nesting of arrays and objects a JSON body may have; the API's deepest body
#: (a workflow definition) nests four levels.
MAX_JSON_DEPTH = 32

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def install_input_guard(bp: Blueprint, routes: RouteTable) -> None:
    """Check every request of ``bp`` (served by ``routes``) before anything else runs."""

    def guard() -> None:
        _check_path()
        _check_size()
        _check_login(routes)
        _parse_json_body()

    bp.before_request(guard)


def parsed_body() -> Any:
    """The JSON body the guard parsed for this request (``None`` if it parsed none)."""
    return g.get("tpm_json_body")


def too_large(limit: int) -> TPMError:
    """The 413 for a body over ``limit`` bytes."""
    return TPMError(
        f"The body is larger than the {limit} bytes this API accepts.",
        status=413,
        code="payload_too_large",
    )


def _check_path() -> None:
    if _CONTROL.search(request.path):
        raise TPMError(
            "The path contains a control character (such as NUL or a line break); no API "
            "path does. Percent-encode only printable characters.",
            code="invalid_path",
        )


def _check_size() -> None:
    limit = current_app.config["TPM_MAX_BODY_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise too_large(limit)
    # Werkzeug stops a body without a length (chunked) at this maximum as it streams; it
    # hands back exactly the maximum when the body is longer, so one byte over the limit
    # is what tells a body over the limit from one at it.
    request.max_content_length = limit + 1


def _check_login(routes: RouteTable) -> None:
    view = routes.view_for("/" + (request.view_args or {}).get("path", ""), request.method)
    operation = getattr(view, "tpm_operation", None)
    if operation is not None and 401 in operation.errors and current_actor() is None:
        raise Unauthenticated("Log in first: this request needs a signed-in user.")


def _parse_json_body() -> None:
    if request.method not in _BODY_METHODS:
        return
    raw = request.get_data(cache=True)
    limit = current_app.config["TPM_MAX_BODY_BYTES"]
    if len(raw) > limit:
        raise too_large(limit)
    if not request.is_json or not raw.strip():
        return
    try:
        body = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError) as error:
        raise TPMError(f"The body is not valid JSON ({error}).", code="malformed_json") from None
    if _depth(body) > MAX_JSON_DEPTH:
        raise _too_deep()
    g.tpm_json_body = body


def _too_deep() -> TPMError:
    return TPMError(
        f"The body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep; no "
        "request of this API needs that.",
        code="json_too_deep",
    )


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and dicts, walked without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest
