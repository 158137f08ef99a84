"""The JSON API blueprint: built per app by a factory, so its name and prefix come from
config. Route modules register themselves on it; every error leaves in the one shape."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .._version import __version__
from ..errors import TPMError, error_response, http_error_response

#: Modules with a ``register(bp)`` function that adds their routes to the API blueprint.
ROUTE_MODULES: list[Callable[[Blueprint], None]] = []


def create_api_blueprint(name: str) -> Blueprint:
    """Build the API blueprint called ``name`` with every route module registered."""
    bp = Blueprint(name, __name__)
    bp.add_url_rule("/health", "health", health, methods=["GET"])
    for register in ROUTE_MODULES:
        register(bp)
    # Routing errors happen before a blueprint is chosen, so its error handlers never see
    # them; a catch-all keeps 404 and 405 under the API prefix in the one error shape
    # without taking over the host's own handlers.
    bp.add_url_rule("/<path:unmatched>", "unmatched", _unmatched, methods=_ALL_METHODS)
    bp.register_error_handler(TPMError, error_response)
    bp.register_error_handler(HTTPException, http_error_response)
    return bp


_ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def _unmatched(unmatched: str) -> Response:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in _ALL_METHODS:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if not endpoint.endswith(".unmatched"):
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise NotFound("No API endpoint has this path.")


def health() -> Response:
    """``GET /health``: the plugin's version and whether the database and queue answer."""
    state = current_app.extensions["tpm"]
    try:
        with state.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any failure to reach it is the answer, not an error of ours
        database = "unreachable"
    queue = "ok" if state.queue.ping() else "unreachable"
    healthy = database == "ok" and queue == "ok"
    response = jsonify(
        {
            "status": "ok" if healthy else "degraded",
            "version": __version__,
            "database": database,
            "queue": queue,
            "queue_backend": "embedded" if state.queue.embedded else "redis",
        }
    )
    response.status_code = 200 if healthy else 503
    return response
