"""The pages and messages in the family's language: the plugin's own Flask-Babel domain.

The plugin's strings live in their own gettext domain (``tpm``, catalogs under
``tpm_plugin/translations/``), so they never mix with the host's catalogs. The locale is
the host's: its Flask-Babel locale selector when it has one. A host without Flask-Babel
gets one installed by :func:`install_babel` whose selector is :func:`select_locale`.

Templates call ``_("…")`` and ``ngettext(…)`` (put in their context by the pages'
``render_page``), never ``{% trans %}``, which would use the host's domain.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, Domain, get_locale

#: Languages the plugin ships catalogs for (English is the source language).
LANGUAGES = ("en", "es")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
domain = Domain(translation_directories=[str(TRANSLATIONS)], domain="tpm")

gettext = domain.gettext
ngettext = domain.ngettext
lazy_gettext = domain.lazy_gettext


def select_locale() -> str:
    """The plugin's locale selector (used when the host has none): the language a page
    chose for its viewer (``g.tpm_locale``: the person's preferred language, else their
    program's), else the browser's best match among :data:`LANGUAGES`, else English."""
    chosen = g.get("tpm_locale")
    if chosen in LANGUAGES:
        return chosen
    if has_request_context():
        return request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]
    return LANGUAGES[0]


def install_babel(app: Flask) -> None:
    """Give ``app`` Flask-Babel with :func:`select_locale` unless the host has its own
    (a host initialising Flask-Babel after the plugin replaces this one)."""
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale)


def format_when(
    value: dt.datetime | None, timezone: str | None = None, format: str = "medium"
) -> str:
    """``value`` as the viewer's locale writes it, on ``timezone``'s wall clock (the
    program's; UTC when none is given). Empty for ``None``."""
    if value is None:
        return ""
    zone = ZoneInfo(timezone or "UTC")
    return babel_dates.format_datetime(value, format, tzinfo=zone, locale=get_locale())


def format_day(value: dt.date | dt.datetime | None, format: str = "medium") -> str:
    """A date as the viewer's locale writes it."""
    if value is None:
        return ""
    return babel_dates.format_date(value, format, locale=get_locale())


def template_helpers() -> dict[str, Any]:
    """What every page template may call: ``_``, ``ngettext``, ``format_when``,
    ``format_day`` and the current ``locale``."""
    return {
        "_": gettext,
        "ngettext": ngettext,
        "format_when": format_when,
        "format_day": format_day,
        "locale": str(get_locale() or LANGUAGES[0]),
    }
