"""tpm_plugin: the Therapeutic Partnership Model as a Flask extension.

Public API: :class:`TPM`, :class:`Actor`, :func:`current_tpm`, :func:`include_object`,
the signals in :mod:`tpm_plugin.signals`, and :data:`__version__`.
"""

from flask import current_app

from ._extension import TPM, TPMState
from ._version import __version__
from .access import Actor, current_actor
from .migrate import include_object


def current_tpm() -> TPMState:
    """The plugin's state for the current app.

    Raises:
        RuntimeError: outside an app context, or the plugin is not registered on the app.
    """
    try:
        return current_app.extensions["tpm"]
    except KeyError:
        raise RuntimeError(
            "tpm_plugin is not registered on this app; call tpm.init_app(app) first."
        ) from None


def api_url(endpoint: str, **values: object) -> str:
    """The URL of a plugin API endpoint by its name, e.g. ``api_url("get_partnership",
    partnership_id=7)``; the API's routes are not in ``app.url_map`` (see
    :mod:`tpm_plugin.blueprints._routes`), so ``url_for`` cannot build them."""
    from .blueprints._routes import url_for_api

    name = current_app.config["TPM_API_BLUEPRINT_NAME"]
    return url_for_api(name, current_tpm().api_routes, endpoint, **values)


__all__ = [
    "TPM",
    "Actor",
    "TPMState",
    "__version__",
    "current_actor",
    "current_tpm",
    "include_object",
]
