"""CSRF for the pages' forms: the host's ``CSRFProtect`` when it has one, the plugin's own
token otherwise.

Every form renders ``{{ csrf_field() }}``. With Flask-WTF's ``CSRFProtect`` on the host, the
token is Flask-WTF's and the host validates it (the pages blueprint is never exempted).
Without it, the token is a random value kept in the host's signed session cookie and checked
here on every unsafe method; htmx requests send it in the ``X-CSRFToken`` header.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, current_app, request, session
from markupsafe import Markup, escape

from ...errors import TPMError

FIELD = "csrf_token"
HEADER = "X-CSRFToken"
_SESSION_KEY = "tpm_csrf"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _host_protects() -> bool:
    return "csrf" in current_app.extensions


def csrf_token() -> str:
    """The token this session's forms carry."""
    if _host_protects():
        from flask_wtf.csrf import generate_csrf

        return generate_csrf()
    token = session.get(_SESSION_KEY)
    if not token:
        token = session[_SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_field() -> Markup:
    """The hidden input every form of the pages carries."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(csrf_token())}">')


def check_csrf() -> None:
    """Before every page request: refuse an unsafe method without this session's token
    (when the host's ``CSRFProtect`` is not doing it already)."""
    if request.method not in _UNSAFE or _host_protects():
        return
    expected = session.get(_SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), sent):
        raise TPMError(
            "This form has expired or did not come from this site. Reload the page and try again.",
            status=400,
            code="csrf_failed",
        )


def install_csrf(bp: Blueprint) -> None:
    """Check the plugin's token on every unsafe request to ``bp``."""
    bp.before_request(check_csrf)
