"""The intake webhooks blueprint: ``POST <prefix>/webhooks/intake/<source>``.

One module per kind of proof a form service gives: :mod:`.standard` (Standard Webhooks
and Google Forms), :mod:`.typeform`, :mod:`.tally`, :mod:`.formstack`, and :mod:`.token`
for JotForm and Cognito Forms, which sign nothing. :mod:`.intake` is the view.
"""

from __future__ import annotations

from flask import Blueprint, Flask, request
from flask_limiter import Limiter
from werkzeug.exceptions import HTTPException

from ...errors import TPMError, error_response, http_error_response
from .intake import receive_intake


def install_webhooks(app: Flask) -> Blueprint:
    """Build the webhooks blueprint, rate-limit it per source, exempt it from the host's
    CSRF protection, and register it at ``TPM_URL_PREFIX + "/webhooks"``."""
    blueprint = Blueprint(app.config["TPM_WEBHOOKS_BLUEPRINT_NAME"], __name__)
    blueprint.add_url_rule(
        "/intake/<source_key>", "receive_intake", receive_intake, methods=["POST"]
    )
    blueprint.register_error_handler(TPMError, error_response)
    blueprint.register_error_handler(HTTPException, http_error_response)
    limiter = Limiter(
        key_func=_source_key,
        storage_uri=app.config["TPM_REDIS_URL"] or "memory://",
        key_prefix=f"tpm-intake:{app.config['TPM_QUEUE_NAME']}",
        headers_enabled=True,
        swallow_errors=True,
        default_limits=[],
    )
    limiter.limit(app.config["TPM_INTAKE_RATE_LIMIT"])(blueprint)
    limiter.init_app(app)
    app.register_blueprint(blueprint, url_prefix=f"{app.config['TPM_URL_PREFIX']}/webhooks")
    exempt_webhooks_from_csrf(app, blueprint)
    return blueprint


def exempt_webhooks_from_csrf(app: Flask, blueprint: Blueprint) -> None:
    """Form services cannot send a CSRF token: when the host protects every POST with
    Flask-WTF's ``CSRFProtect``, exempt the webhooks (their signatures protect them)."""
    if "csrf" in app.extensions:
        app.extensions["csrf"].exempt(blueprint)


def _source_key() -> str:
    # Each source has its own budget, whoever sends to it.
    return (request.view_args or {}).get("source_key", "")
