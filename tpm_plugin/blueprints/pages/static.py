"""The pages' stylesheet and vendored scripts, served from ``tpm_plugin/static/tpm/`` at
``<pages prefix>/static/<file>`` through the pages' route table (a blueprint static folder
would add a URL rule of its own to every host's start-up). Public: the login page a visitor
is sent to may not be the only place they appear."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, send_from_directory
from werkzeug.wrappers import Response

from .._routes import RouteTable

STATIC_FOLDER = Path(__file__).resolve().parents[2] / "static" / "tpm"
ENDPOINT = "static_file"


def static_file(filename: str) -> Response:
    """``GET /static/<filename>``: a file of the plugin's static folder (404 outside it)."""
    return send_from_directory(
        STATIC_FOLDER, filename, max_age=current_app.get_send_file_max_age(filename)
    )


def register(routes: RouteTable) -> None:
    """Add the static files to ``routes``."""
    routes.add_url_rule("/static/<path:filename>", ENDPOINT, static_file, methods=["GET"])
