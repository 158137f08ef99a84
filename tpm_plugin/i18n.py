"""The pages and messages in the family's language: the plugin's own Flask-Babel domain.

The plugin's strings live in their own gettext domain (``tpm``, catalogs under
``tpm_plugin/translations/``), so they never mix with the host's catalogs. The locale is
the host's: its Flask-Babel locale selector when it has one. A host without Flask-Babel (or
whose Flask-Babel has no selector) gets :func:`select_locale`, installed by
:func:`install_babel`: the viewer's preferred language, else their program's, else the
browser's, else English. Messages are rendered in their recipient's language (see
:mod:`tpm_plugin.services.notifications.messages`).

Templates call ``_("…")`` and ``ngettext(…)`` (put in their context by the pages'
``render_page``), never ``{% trans %}``, which would use the host's domain.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel import dates as babel_dates
from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, Domain, get_locale, refresh

from ._host import on_first_context

#: Languages the plugin ships catalogs for (English is the source language).
LANGUAGES = ("en", "es")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
domain = Domain(translation_directories=[str(TRANSLATIONS)], domain="tpm")

gettext = domain.gettext
ngettext = domain.ngettext
lazy_gettext = domain.lazy_gettext


def N_(message: str) -> str:  # noqa: N802 - the name Babel's extractor looks for
    """Mark ``message`` for the catalog without translating it (it is translated where it
    is shown)."""
    return message


#: Where :func:`remember_viewer_language` keeps the viewer's language for this request.
_LANGUAGE_KEY = "tpm_plugin.language"


def select_locale() -> str:
    """The plugin's locale selector (used when the host has none): the viewer's language
    as the pages found it before the view ran (their preferred one, else their program's;
    see :func:`remember_viewer_language`), else the browser's best match among
    :data:`LANGUAGES`, else English."""
    if not has_request_context():
        return LANGUAGES[0]
    chosen = request.environ.get(_LANGUAGE_KEY)
    return chosen or request.accept_languages.best_match(LANGUAGES) or LANGUAGES[0]


def remember_viewer_language(host_user_id: str | None) -> None:
    """Before a page's view: look up the viewer's language once, for :func:`select_locale`
    (no look-up when nobody is logged in or the host's own selector decides). Done before
    any service runs, so the look-up never happens inside another transaction."""
    # Flask-Babel keeps the locale on ``g``, which outlives a request when the caller
    # pushed the app context itself (scripts, tests): choose afresh for every page.
    refresh()
    babel = current_app.extensions.get("babel")
    if host_user_id is None or babel is None or babel.locale_selector is not select_locale:
        return
    from .services.languages import language_of_user

    request.environ[_LANGUAGE_KEY] = language_of_user(host_user_id)


def install_babel(app: Flask) -> None:
    """Give ``app`` Flask-Babel with :func:`select_locale` unless the host has its own
    selector (a host initialising Flask-Babel after the plugin replaces this one)."""
    babel = app.extensions.get("babel")
    if babel is None:
        # Set up with the app's first context, which every request, command and job pushes
        # before it translates anything: Flask-Babel's set-up would cost every host's
        # start-up (hosts build an app per test) even where nothing is ever translated.
        on_first_context(app, _babel_unless_the_hosts)
    elif babel.locale_selector is None:
        babel.locale_selector = select_locale


def _babel_unless_the_hosts(app: Flask) -> None:
    # A host that set up Flask-Babel after the plugin keeps its own, as it would have
    # replaced the plugin's. No Jinja set-up: the plugin's templates get their ``_`` from
    # the pages' context, and touching ``app.jinja_env`` would build it for every app.
    if "babel" not in app.extensions:
        Babel(app, locale_selector=select_locale, configure_jinja=False)


#: The formats Babel names; anything else is a date/time pattern of its own.
_NAMED_FORMATS = ("full", "long", "medium", "short")
#: The pattern fields that write a time zone (their output depends on the day too).
_ZONE_FIELDS = frozenset("zZvVOXx")
_FIELD = re.compile(r"%\((\w+)\)")


def format_when(
    value: dt.datetime | None, timezone: str | None = None, format: str = "medium"
) -> str:
    """``value`` as the viewer's locale writes it, on ``timezone``'s wall clock (the
    program's; UTC when none is given), exactly as Babel's ``format_datetime`` would. Empty
    for ``None``."""
    if value is None:
        return ""
    return _when_writer(str(get_locale() or LANGUAGES[0]), timezone or "UTC", format)(value)


def format_day(value: dt.date | dt.datetime | None, format: str = "medium") -> str:
    """A date as the viewer's locale writes it (as Babel's ``format_date`` would)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return _day_pattern(str(get_locale() or LANGUAGES[0]), format)(value)


@lru_cache(maxsize=256)
def _when_writer(locale: str, timezone: str, format: str) -> Callable[[dt.datetime], str]:
    # Babel's format_datetime parses the locale, looks up the zone and the patterns on every
    # call, which a page of a hundred timestamps pays a hundred times: done once here per
    # (locale, zone, format), the same steps and the same output.
    babel_locale = Locale.parse(locale)
    zone = ZoneInfo(timezone)
    if format not in _NAMED_FORMATS:
        pattern = babel_dates.parse_pattern(format)
        return lambda value: pattern.apply(_on_clock(value, zone), babel_locale)
    glue = babel_dates.get_datetime_format(format, locale=babel_locale).replace("'", "")
    date = babel_dates.parse_pattern(babel_dates.get_date_format(format, locale=babel_locale))
    time = babel_dates.parse_pattern(babel_dates.get_time_format(format, locale=babel_locale))
    zoned = any(field[0] in _ZONE_FIELDS for field in _FIELD.findall(time.format))

    # Each day and each time of day written once: a timeline's entries share days, and
    # meetings share their hours.
    @lru_cache(maxsize=1024)
    def written_day(day: dt.date) -> str:
        return date.apply(day, babel_locale)

    @lru_cache(maxsize=1024)
    def written_time(clock: dt.time, day: dt.date | None, offset: dt.timedelta | None) -> str:
        # The day is the time's reference, as in Babel, for zone names on either side of DST.
        return time.apply(clock, babel_locale, reference_date=day)

    def write(value: dt.datetime) -> str:
        local = _on_clock(value, zone)
        day = local.date()
        if zoned:
            clock = written_time(local.timetz(), day, local.utcoffset())
        else:
            clock = written_time(local.time(), None, None)
        return glue.replace("{0}", clock).replace("{1}", written_day(day))

    return write


@lru_cache(maxsize=64)
def _day_pattern(locale: str, format: str) -> Callable[[dt.date], str]:
    babel_locale = Locale.parse(locale)
    named = format in _NAMED_FORMATS
    pattern = babel_dates.get_date_format(format, locale=babel_locale) if named else format
    parsed = babel_dates.parse_pattern(pattern)
    return lambda value: parsed.apply(value, babel_locale)


def _on_clock(value: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """``value`` on ``zone``'s wall clock (a naive value is taken as UTC, as Babel does)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone)


def template_helpers() -> dict[str, Any]:
    """What every page template may call: ``_`` and ``ngettext``, ``format_when``,
    ``format_day``, ``workflow_label`` and ``stage_name`` (see
    :mod:`tpm_plugin.i18n_workflow`) and the current ``locale``.

    They use the viewer's catalog and locale looked up once for the page: Flask-Babel's own
    functions look them up on every call, and a page makes hundreds. Same results (the
    message translated, then filled in with its variables)."""
    from .i18n_workflow import labels_for

    locale = str(get_locale() or LANGUAGES[0])
    when, day = writers_for(locale)
    translations = domain.get_translations()

    def translate(string: str, **variables: Any) -> str:
        found = translations.ugettext(string)
        return found % variables if variables else found

    def count(singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return translations.ungettext(singular, plural, num) % variables

    return {
        "_": translate,
        "ngettext": count,
        "format_when": when,
        "format_day": day,
        **labels_for(translate),
        "locale": locale,
    }


def writers_for(
    locale: str,
) -> tuple[Callable[..., str], Callable[..., str]]:
    """:func:`format_when` and :func:`format_day` for one locale: a page renders in one,
    and asking Flask-Babel for it costs more than writing a date."""

    def when(value: dt.datetime | None, timezone: str | None = None, format: str = "medium"):
        if value is None:
            return ""
        return _when_writer(locale, timezone or "UTC", format)(value)

    def day(value: dt.date | dt.datetime | None, format: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        return _day_pattern(locale, format)(value)

    return when, day


def translated_strings() -> frozenset[str]:
    """Every translation of the viewer's catalog (to tell a message already translated by
    the page that raised it from an English sentence of the services)."""
    catalog = getattr(domain.get_translations(), "_catalog", {})
    return frozenset(value for value in catalog.values() if isinstance(value, str))
