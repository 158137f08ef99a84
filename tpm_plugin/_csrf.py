"""Exempting the plugin's JSON-only blueprints from Flask-WTF's ``CSRFProtect``.

A cross-site HTML form can only send ``application/x-www-form-urlencoded``,
``multipart/form-data`` or ``text/plain``; a blueprint that refuses every body but
``application/json`` (415) cannot be driven by one, so a CSRF token adds nothing there but a
400 for every API client. The plugin's HTML pages are never exempted: they keep their tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from flask import Blueprint, Flask

from ._host import when_ready


def exempt_json_blueprint_from_csrf(app: Flask, blueprint: Blueprint) -> None:
    """Exempt ``blueprint`` from the host's ``CSRFProtect``, if the host uses one (before or
    after this call). Only call it for blueprints that accept JSON bodies alone (or that
    authenticate every request otherwise, such as signed webhooks).

    Args:
        app: the host app.
        blueprint: the blueprint, as registered on ``app``.
    """

    when_ready(app, _exempter(blueprint))


@cache
def _exempter(blueprint: Blueprint) -> Callable[[Flask], bool]:
    # One wiring step per blueprint, shared by every app (the plugin's blueprints are built
    # once per process), rather than a closure made for each app a host builds.
    def exempt(app: Flask) -> bool:
        csrf = app.extensions.get("csrf")
        if csrf is None:
            return False
        csrf.exempt(blueprint)
        return True

    return exempt
