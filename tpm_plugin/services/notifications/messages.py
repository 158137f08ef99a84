"""Rendering a notification from its overridable Jinja template.

Templates live at ``templates/tpm/messages/<name>.txt`` and define two blocks, ``subject``
and ``body``. A host overrides one by putting a file of the same name in its own templates
folder (the app's loader is asked first). Messages carry no care details: the context holds
the recipient's ``first_name`` (or ``None`` when ``TPM_MESSAGE_NAMES`` is ``"none"``) and
what the caller passes, which :func:`render_message` limits to ids, short keys and times.
Their text goes through the plugin's gettext domain (``_`` in the template), in the
recipient's language, and so do their values: a date or a time (an aware one is written on
its own wall clock: pass it in the program's timezone) is written as Babel writes it in that
language, and ``lead_minutes`` gives the template ``lead``, the time before the event in
words ("24 hours", "24 horas").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from babel import dates as babel_dates
from flask import current_app
from flask_babel import force_locale, get_locale
from jinja2 import Environment, TemplateNotFound

from ...i18n import LANGUAGES, gettext, ngettext
from ...templating import plugin_environment

#: Longest string a message context may hold: keys and formatted times, never free text.
MAX_CONTEXT_STRING = 64

_ALLOWED = (int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta, type(None))


def render_message(
    template: str,
    context: Mapping[str, Any],
    first_name: str | None,
    language: str | None = None,
) -> tuple[str, str]:
    """Render ``template`` to its (subject, body), in ``language`` (one of
    :data:`tpm_plugin.i18n.LANGUAGES`; English otherwise).

    Raises:
        ValueError: a context value that is not a number, a time or a short string (free
            text could carry care details), or a template missing a block.
        jinja2.TemplateNotFound: no template of that name, in the host or the plugin.
    """
    check_context(context)
    if current_app.config["TPM_MESSAGE_NAMES"] == "none":
        first_name = None
    name = f"tpm/messages/{template}.txt"
    try:
        loaded = _environment().get_template(name)
    except TemplateNotFound:
        raise TemplateNotFound(
            f"No message template {name}: ship it in the host's templates folder."
        ) from None
    for block in ("subject", "body"):
        if block not in loaded.blocks:
            raise ValueError(f"Message template {name} has no {{% block {block} %}}; add one.")
    parts = []
    with force_locale(language if language in LANGUAGES else LANGUAGES[0]):
        values = loaded.new_context(
            {**_in_words(context), "first_name": first_name, "_": gettext, "ngettext": ngettext}
        )
        for block in ("subject", "body"):
            parts.append("".join(loaded.blocks[block](values)).strip())
    subject, body = parts
    return " ".join(subject.split()), body


def check_context(context: Mapping[str, Any]) -> None:
    """Refuse a context value that could carry care details.

    Raises:
        ValueError: a value that is not a number, a time or a string of at most
            :data:`MAX_CONTEXT_STRING` characters.
    """
    for name, value in context.items():
        if isinstance(value, str) and len(value) <= MAX_CONTEXT_STRING:
            continue
        if isinstance(value, str) or not isinstance(value, _ALLOWED):
            raise ValueError(
                f"Message context {name!r} is a {type(value).__name__}; messages take ids, "
                f"times and strings of at most {MAX_CONTEXT_STRING} characters, never care "
                "details."
            )


def lead_time(minutes: int) -> str:
    """How long before an event a reminder goes out, in words of the current language:
    whole days as hours up to a day ("24 hours"), then days; else hours; else minutes."""
    if minutes % 1440 == 0 and minutes > 1440:
        return ngettext("%(num)s day", "%(num)s days", minutes // 1440)
    if minutes % 60 == 0:
        return ngettext("%(num)s hour", "%(num)s hours", minutes // 60)
    return ngettext("%(num)s minute", "%(num)s minutes", minutes)


def _in_words(context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` with its dates and times written in the current locale, and ``lead``
    from ``lead_minutes`` (a host's template still gets the values it was given)."""
    locale = str(get_locale() or LANGUAGES[0])
    words: dict[str, Any] = {}
    for name, value in context.items():
        if isinstance(value, dt.datetime):
            zone = value.tzinfo or dt.UTC
            value = (
                babel_dates.format_skeleton("MMMEd", value, tzinfo=zone, locale=locale)
                + " "
                + babel_dates.format_time(value, "short", tzinfo=zone, locale=locale)
            )
        elif isinstance(value, dt.date):
            value = babel_dates.format_date(value, "long", locale=locale)
        words[name] = value
    if isinstance(context.get("lead_minutes"), int) and "lead" not in context:
        words["lead"] = lead_time(context["lead_minutes"])
    return words


def _environment() -> Environment:
    return plugin_environment("messages", autoescape=False)
