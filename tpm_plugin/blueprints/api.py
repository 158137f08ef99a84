"""The JSON API blueprint: built per app by a factory, so its name and prefix come from
config. Route modules register themselves on it; every error leaves in the one shape."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from flask import Blueprint, Response, current_app, jsonify
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from .._version import __version__
from ..errors import TPMError, error_response, http_error_response
from ..services import workflow_versions
from . import (
    api_audit,
    api_cadence,
    api_calendar,
    api_change,
    api_client_rights,
    api_diagrams,
    api_fidelity,
    api_group_activities,
    api_intake,
    api_intake_review,
    api_partnerships,
    api_people,
    api_records,
    api_rhythm,
    api_scheduling,
    api_timeline,
    api_workflows,
    openapi,
)
from ._audit import install_audit_guard
from ._hostile import install_input_guard
from ._idempotency import install_idempotency
from ._openapi import operation
from ._routes import RouteTable, mount

#: ``register(routes)`` functions of the route modules. ``routes`` is a
#: :class:`~tpm_plugin.blueprints._routes.RouteTable`: ``routes.get(...)``, ``routes.post(...)``,
#: ``routes.add_url_rule(...)`` as on a blueprint.
ROUTE_MODULES: list[Callable[[RouteTable], None]] = [
    api_people.register,
    api_partnerships.register,
    api_records.register,
    api_timeline.register,
    api_change.register,
    api_group_activities.register,
    api_fidelity.register,
    api_cadence.register,
    api_client_rights.register,
    api_audit.register,
    api_workflows.register,
    api_diagrams.register,
    api_rhythm.register,
    api_scheduling.register,
    api_calendar.register,
    api_intake.register,
    api_intake_review.register,
    openapi.register,
]


@cache
def api_routes() -> RouteTable:
    """The API's routes, every route module registered (once per process; routes do not
    depend on the app, see :mod:`tpm_plugin.blueprints._routes`)."""
    routes = RouteTable()
    routes.add_url_rule("/health", "health", health, methods=["GET"])
    for register in ROUTE_MODULES:
        register(routes)
    return routes


@cache
def create_api_blueprint(name: str) -> Blueprint:
    """The API blueprint called ``name``, serving :func:`api_routes`: built once per name
    and process, then registered on every app (nothing in it depends on the app), so a
    host building an app per test does not pay for it again."""
    bp = Blueprint(name, __name__)
    mount(bp, api_routes())
    bp.register_error_handler(TPMError, error_response)
    bp.register_error_handler(HTTPException, http_error_response)
    install_input_guard(bp, api_routes())
    install_idempotency(bp, api_routes())
    install_audit_guard(bp, api_routes())
    return bp


@operation(tags=["service"], errors=(503,))
def health() -> Response:
    """``GET /health``: the plugin's version, whether the database and queue answer, and
    any guard a published workflow version names that this server has not registered
    (``missing_guards``: each name with the versions naming it; degraded when any)."""
    state = current_app.extensions["tpm"]
    try:
        with state.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any failure to reach it is the answer, not an error of ours
        database = "unreachable"
    queue = "ok" if state.queue.ping() else "unreachable"
    missing = workflow_versions.missing_guards() if database == "ok" else {}
    healthy = database == "ok" and queue == "ok" and not missing
    report = {
        "status": "ok" if healthy else "degraded",
        "version": __version__,
        "database": database,
        "queue": queue,
        "queue_backend": "embedded" if state.queue.embedded else "redis",
    }
    if missing:
        report["missing_guards"] = missing
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    return response
