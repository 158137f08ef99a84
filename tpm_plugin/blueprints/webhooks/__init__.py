"""The intake webhooks blueprint: ``POST <prefix>/webhooks/intake/<source>``.

One module per kind of proof a form service gives: :mod:`.standard` (Standard Webhooks
and Google Forms), :mod:`.typeform`, :mod:`.tally`, :mod:`.formstack`, and :mod:`.token`
for JotForm and Cognito Forms, which sign nothing. :mod:`.intake` is the view.
"""

from __future__ import annotations

from functools import cache

from flask import Blueprint, Flask
from flask.sansio.blueprints import BlueprintSetupState
from werkzeug.exceptions import HTTPException

from ..._csrf import exempt_json_blueprint_from_csrf
from ...errors import TPMError, error_response, http_error_response
from .._routes import LazyBuildRule
from ._rate_limit import RATE_LIMIT_EXTENSION, IntakeRateLimit
from .intake import receive_intake


def install_webhooks(app: Flask) -> Blueprint:
    """Build the webhooks blueprint, set up its per-source rate limit, exempt it from the
    host's CSRF protection (whether ``CSRFProtect`` comes before or after the plugin), and
    register it at ``TPM_URL_PREFIX + "/webhooks"``.

    Raises:
        tpm_plugin.config.ConfigError: ``TPM_INTAKE_RATE_LIMIT`` is not a rate limit.
    """
    blueprint = webhooks_blueprint(app.config["TPM_WEBHOOKS_BLUEPRINT_NAME"])
    app.extensions[RATE_LIMIT_EXTENSION] = IntakeRateLimit(
        app.config["TPM_INTAKE_RATE_LIMIT"],
        app.config["TPM_REDIS_URL"],
        f"tpm-intake:{app.config['TPM_QUEUE_NAME']}",
    )
    app.register_blueprint(blueprint, url_prefix=f"{app.config['TPM_URL_PREFIX']}/webhooks")
    # Form services cannot send a CSRF token; their signatures protect these routes.
    exempt_json_blueprint_from_csrf(app, blueprint)
    return blueprint


@cache
def webhooks_blueprint(name: str) -> Blueprint:
    """The webhooks blueprint called ``name``: built once per name and process and
    registered on every app (its rate limit is the app's, kept in ``app.extensions``)."""
    blueprint = Blueprint(name, __name__)
    blueprint.record(_add_intake_rule)
    blueprint.register_error_handler(TPMError, error_response)
    blueprint.register_error_handler(HTTPException, http_error_response)
    return blueprint


def _add_intake_rule(state: BlueprintSetupState) -> None:
    # As Flask's own blueprint setup would add it, but with URL builders compiled on first
    # use (see _routes.LazyBuildRule): mounting the plugin stays cheap for the host.
    endpoint = f"{state.name}.receive_intake"
    state.app.url_map.add(
        LazyBuildRule(
            f"{state.url_prefix}/intake/<source_key>", endpoint=endpoint, methods=["POST"]
        )
    )
    state.app.view_functions[endpoint] = receive_intake
