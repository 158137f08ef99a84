"""Rendering a page: the acting person, the host's layout, URLs of other pages, errors.

A page view calls :func:`page_actor` for the person (always set: anonymous visitors were
sent to the host's login before the view ran), reads through the services, and returns
:func:`render_page`. Links between pages go through :func:`page_url`, never through
``url_for`` on page endpoints (the pages are served through one dispatch rule, see
:mod:`tpm_plugin.blueprints._routes`). Render every template, fragments for htmx included,
with :func:`render_page`, never ``flask.render_template``: the plugin's templates are not on
the app's loader but in :func:`tpm_plugin.templating.plugin_environment`, after the host's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import current_app, make_response, redirect, request, url_for
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ...access import Actor, current_actor
from ...errors import TPMError
from ...i18n import (
    gettext,
    remember_viewer_language,
    template_helpers,
    translated_strings,
)
from ...i18n_messages import known_message, translate_messages
from ...templating import plugin_environment


def page_actor() -> Actor:
    """The person viewing the page (the login redirect guarantees there is one)."""
    actor = current_actor()
    if actor is None:  # pragma: no cover - require_page_actor ran first
        raise RuntimeError("page_actor() outside a logged-in page request")
    return actor


def require_page_actor() -> Response | None:
    """Before every page: an anonymous visitor goes to the host's login page (Flask-Login's
    ``login_view``), with ``next`` back here; without one, a 401 page. A logged-in viewer's
    language is looked up for the page."""
    if _is_static_file():
        return None
    actor = current_actor()
    remember_viewer_language(actor.user_id if actor is not None else None)
    if actor is not None:
        return None
    login_manager = getattr(current_app, "login_manager", None)
    login_view = getattr(login_manager, "login_view", None)
    if login_view:
        # A path on this site only; the host's login decides whether to follow it.
        return redirect(url_for(login_view, next=request.full_path.rstrip("?")))
    return render_error(TPMError("Log in to see this page.", status=401, code="unauthenticated"))


def _is_static_file() -> bool:
    from . import page_routes
    from .static import ENDPOINT

    matched = page_routes().match((request.view_args or {}).get("path", ""), request.method)
    return matched is not None and matched[0] == ENDPOINT


def page_url(endpoint: str, **values: Any) -> str:
    """The URL of the page ``endpoint`` (as registered on the page route table), with
    ``values`` filling its rule and the rest as its query string. Never put names or notes
    in ``values``: URLs land in logs."""
    try:
        key = (request.script_root, request.blueprint, endpoint, *sorted(values.items()))
        hash(key)
    except TypeError:  # a list in the query string
        return _built_url(endpoint, values)
    # The same URL on every page (layouts, navigation, stage links) is built once per app,
    # not twice through Werkzeug (the route table's path, then the dispatch rule's URL) on
    # every page: the routes are fixed once the app serves.
    built = current_app.extensions.setdefault(_BUILT_URLS, {})
    url = built.get(key)
    if url is None:
        url = _built_url(endpoint, values)
        if len(built) < _MAX_BUILT_URLS:
            built[key] = url
    return url


#: Where an app keeps the page URLs it has built, and how many at most (ids in URLs make
#: many; past the limit URLs are built each time).
_BUILT_URLS = "tpm_plugin.page_urls"
_MAX_BUILT_URLS = 4096


def _built_url(endpoint: str, values: dict[str, Any]) -> str:
    from . import page_routes

    table = page_routes()
    arguments = table.arguments(endpoint)
    rule_values = {k: v for k, v in values.items() if k in arguments}
    query = {k: v for k, v in values.items() if k not in rule_values and v is not None}
    path = table.path_for(endpoint, **rule_values)
    url = url_for(f"{request.blueprint}.dispatch", path=path)
    return f"{url}?{urlencode(query, doseq=True)}" if query else url


def render_page(template: str, *, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render ``template`` (below ``templates/``) inside the host's layout, with the page
    helpers (``_``, ``ngettext``, ``page_url``, ``csrf_field``, formatting of dates in the
    program's timezone and the viewer's locale) in its context. The page's ``errors`` and
    ``message`` (the schemas' and services' English sentences among them) are shown in the
    viewer's language."""
    from ._forms import csrf_field

    for key in _MESSAGE_KEYS.intersection(context):
        context[key] = translate_messages(context[key])

    values = {
        "tpm_base_template": current_app.config["TPM_BASE_TEMPLATE"],
        "tpm_actor": current_actor(),
        "page_url": page_url,
        "csrf_field": csrf_field,
        **template_helpers(),
        **context,
    }
    current_app.update_template_context(values)  # the host's context processors
    return plugin_environment("pages").get_template(template).render(values), status


#: The context values of a page that hold messages of the schemas and services.
_MESSAGE_KEYS = frozenset({"errors", "message"})


def render_error(error: TPMError | HTTPException) -> Response:
    """A page's failure as an HTML page with the same status the API would answer (a
    record outside the viewer's scope is a 404, as in the API); for htmx, only what went
    wrong (it lands where the form's answer would have)."""
    from ._htmx import pick, varies

    if isinstance(error, HTTPException):
        status, message = error.code or 500, error.description or error.name
    else:
        status, message = error.status, error.message
    page = render_page(
        pick("tpm/pages/error.html", "tpm/pages/error_part.html"),
        status=status,
        status_code=status,
        message=readable(message),
    )
    return varies(make_response(page))


def readable(message: str | None) -> str | None:
    """``message`` in the viewer's language, or ``None`` when it exists only in English (the
    API's sentences, Werkzeug's descriptions) and the viewer reads another language: the
    page then says what happened in its own translated words."""
    if not message or str(get_locale() or "en").startswith("en"):
        return message
    translated = gettext(message)
    if translated != message or message in translated_strings():
        return translated
    if known_message(message):
        return translate_messages(message)
    return None
