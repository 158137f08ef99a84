"""The plugin's HTML pages: a partner's day, a supervisor's week, a manager's program.

Server-rendered Jinja under ``TPM_PAGES_URL_PREFIX`` (default: ``TPM_URL_PREFIX``), in
templates under ``templates/tpm/pages/`` that a host overrides file by file (its own template
folder comes first). Every page extends ``TPM_BASE_TEMPLATE``, the host's own layout, filling
its ``title`` and ``content`` blocks. Pages call the same services as the JSON API, so scope,
validation and audit are the API's; every form works without JavaScript and carries a CSRF
token.

Like the API, the pages are one process-wide :class:`~tpm_plugin.blueprints._routes.RouteTable`
served through a single dispatch rule per app, so mounting them costs a host's start-up
almost nothing. Page modules register on it with ``register(routes)``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from flask import Blueprint
from werkzeug.exceptions import MethodNotAllowed, NotFound

from ...errors import TPMError
from .._routes import RouteTable, mount
from . import (
    home,
    manager_board,
    manager_editor,
    manager_fidelity,
    manager_intake,
    manager_people,
    manager_timeline,
    partner,
    static,
    supervisor,
)
from ._forms import install_csrf
from ._render import render_error, require_page_actor

#: ``register(routes)`` of each page module.
PAGE_MODULES: list[Callable[[RouteTable], None]] = [
    static.register,
    home.register,
    partner.register,
    supervisor.register,
    manager_board.register,
    manager_timeline.register,
    manager_fidelity.register,
    manager_editor.register,
    manager_intake.register,
    manager_people.register,
]


@cache
def page_routes() -> RouteTable:
    """Every page route (once per process)."""
    routes = RouteTable()
    for register in PAGE_MODULES:
        register(routes)
    return routes


@cache
def create_pages_blueprint(name: str) -> Blueprint:
    """The pages blueprint called ``name``: its routes (static files included, see
    :mod:`.static`), the login redirect, CSRF and the HTML error pages. Built once per name
    and process and registered on every app, as nothing in it depends on the app."""
    # No template_folder: the pages render in the plugin's own environment, after every
    # loader of the host (see tpm_plugin.templating), so a host's overrides always win.
    bp = Blueprint(name, __name__)
    bp.before_request(require_page_actor)
    install_csrf(bp)
    bp.register_error_handler(TPMError, render_error)
    # A path or method no page has: the same HTML page, in the host's layout.
    bp.register_error_handler(NotFound, render_error)
    bp.register_error_handler(MethodNotAllowed, render_error)
    mount(bp, page_routes())
    return bp
