"""htmx on the pages: a form that changes one part of a page gets that part back.

Every form works without JavaScript: it posts, and the view answers with the whole page (or
redirects to it after a change). With htmx, the same form carries ``hx-post`` and
``hx-target``; htmx sends the ``HX-Request`` header, and the view answers with only the
fragment template that part of the page is drawn from, which htmx swaps in. Both answers
say ``Vary: HX-Request``, so no cache hands one to the other kind of request.
"""

from __future__ import annotations

from typing import Any

from flask import make_response, redirect, request
from werkzeug.wrappers import Response

from ._render import render_page

HX_REQUEST = "HX-Request"


def wants_fragment() -> bool:
    """Whether htmx sent this request (it swaps the answer into part of the page)."""
    return request.headers.get(HX_REQUEST) == "true"


def pick(page: str, fragment: str) -> str:
    """``fragment`` for htmx, else ``page`` (for views that render through a helper of
    their own; wrap their answer in :func:`varies`)."""
    return fragment if wants_fragment() else page


def render_part(page: str, fragment: str, *, status: int = 200, **context: Any) -> Response:
    """The whole ``page`` template, or only its ``fragment`` template for htmx, with the
    same ``context``."""
    return varies(make_response(render_page(pick(page, fragment), status=status, **context)))


def redirect_or_part(url: str, fragment: str, **context: Any) -> Response:
    """After a change: without htmx, send the browser to ``url`` (303, so reloading does not
    post again); with htmx, answer with the changed part, drawn from ``fragment``."""
    if wants_fragment():
        return varies(make_response(render_page(fragment, **context)))
    return varies(redirect(url, 303))


def varies(response: Response) -> Response:
    """``response``, marked as depending on whether htmx asked for it."""
    response.vary.add(HX_REQUEST)
    return response
