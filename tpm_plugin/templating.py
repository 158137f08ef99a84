"""The Jinja environment the plugin renders its own templates in: the host's loaders first
(so a host overrides any template file by file, from its app folder or any blueprint's,
whenever that blueprint was registered), then the plugin's ``templates/`` folder.

The plugin's templates are deliberately not on the app's own loader (no blueprint
``template_folder``): there they would come before the folders of blueprints a host
registers later, and hide the host's overrides.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from jinja2 import ChoiceLoader, Environment, PackageLoader


def plugin_environment(name: str, **options: Any) -> Environment:
    """The app's environment for the plugin's templates called ``name``, made once per app:
    an overlay of the host's (its globals, filters and loaders) with ``options`` (e.g.
    ``autoescape=False`` for plain-text messages)."""
    app = current_app._get_current_object()
    key = f"tpm_plugin.templates.{name}"
    env = app.extensions.get(key)
    if env is None:
        loader = ChoiceLoader([app.jinja_env.loader, PackageLoader("tpm_plugin", "templates")])
        env = app.extensions[key] = app.jinja_env.overlay(loader=loader, **options)
    return env
