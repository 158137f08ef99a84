"""Keeping a Flask-Migrate host's autogenerate away from the plugin's ``tpm_*`` tables.

Flask-Migrate's ``env.py`` passes ``app.extensions["migrate"].configure_args`` to Alembic's
``context.configure``; the plugin puts its :func:`~tpm_plugin.include_object` there, chained
with any ``include_object`` the host passed to ``Migrate(...)``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from ._host import when_ready
from .migrate import include_object

_CHAINED = "_tpm_chained"


def hide_plugin_tables_from_flask_migrate(app: Flask) -> None:
    """Add the plugin's ``include_object`` to the host's Flask-Migrate autogenerate, whether
    ``Migrate`` is initialised on ``app`` before or after the plugin (a no-op without it)."""
    when_ready(app, _chain_include_object)


def _chain_include_object(app: Flask) -> bool:
    config = app.extensions.get("migrate")
    if config is None:
        return False
    host_filter = config.configure_args.get("include_object")
    if host_filter is include_object or getattr(host_filter, _CHAINED, False):
        return True
    # A new dict: a ``Migrate()`` shared by several apps keeps one kwargs dict for all.
    config.configure_args = {
        **config.configure_args,
        "include_object": _both(host_filter) if host_filter else include_object,
    }
    return True


def _both(host_filter: Any) -> Any:
    def include_host_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        return include_object(obj, name, type_, reflected, compare_to) and host_filter(
            obj, name, type_, reflected, compare_to
        )

    setattr(include_host_object, _CHAINED, True)
    return include_host_object
