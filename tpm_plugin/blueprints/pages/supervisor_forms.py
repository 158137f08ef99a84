"""What the supervisor's pages share: whose week a page shows, reading a form's values, and
the messages shown beside a field when a form is refused.

Forms post plain strings; these helpers turn them into the values the API's schemas take
(so validation stays the schemas' and the services'), and turn a refusal back into a
message per form field, in the viewer's language, saying how to put it right.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import request

from ...access import Actor
from ...errors import NotFound
from ...i18n import gettext, ngettext
from .._routes import MAX_ID

#: ``<input type="datetime-local">``'s value, on the program's wall clock.
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

FieldErrors = dict[str, list[str]]


class FormRefused(Exception):
    """A form's values cannot be used as they are: ``errors`` per form field."""

    def __init__(self, errors: FieldErrors) -> None:
        super().__init__("form refused")
        self.errors = errors


def chosen_supervisor(actor: Actor) -> int:
    """The supervisor whose pages are shown: ``?supervisor_id=`` (a program manager looks at
    one of their supervisors), else the viewer's own. The services decide whether the
    viewer may see them.

    Raises:
        NotFound: neither names a supervisor.
    """
    asked = query_id("supervisor_id")
    if asked is not None:
        return asked
    if actor.supervisor_id is None:
        raise NotFound(gettext("Choose a supervisor: you do not supervise anyone yourself."))
    return actor.supervisor_id


def query_id(name: str) -> int | None:
    """The id ``?name=`` names, if any (ids only ever travel in URLs, never names).

    Raises:
        NotFound: it is not an id (a number from 1 to the largest id the database holds).
    """
    value = request.args.get(name)
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise NotFound(gettext("There is no such page: check the link."))
    return int(value)


def local_now(timezone: str) -> str:
    """Now on the program's wall clock, as a ``datetime-local`` input's value."""
    return dt.datetime.now(ZoneInfo(timezone)).strftime(LOCAL_FORMAT)


def parse_local(value: str, timezone: str, field: str) -> dt.datetime:
    """A ``datetime-local`` value read on the program's wall clock.

    Raises:
        FormRefused: it is not a date and time.
    """
    try:
        wall = dt.datetime.strptime(value.strip(), LOCAL_FORMAT)
    except ValueError:
        raise FormRefused(
            {field: [gettext("Enter the date and time, for example 2026-03-05 16:30.")]}
        ) from None
    return wall.replace(tzinfo=ZoneInfo(timezone))


def parse_minutes(value: str, field: str, maximum: int) -> int | None:
    """Whole minutes from 0 to ``maximum``, or ``None`` when left empty.

    Raises:
        FormRefused: anything else.
    """
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > maximum:
        raise FormRefused({field: [minutes_message(maximum)]})
    return int(text)


def minutes_message(maximum: int) -> str:
    """How to write minutes in a form."""
    return gettext("Enter whole minutes from 0 to %(maximum)s.", maximum=maximum)


def translated(
    fields: Mapping[str, list[str]], messages: Mapping[str, str], renamed: Mapping[str, str]
) -> FieldErrors:
    """A refusal's ``fields`` (the API's dotted paths) as form fields: each path is renamed
    by its longest matching prefix in ``renamed`` and given the page's own sentence from
    ``messages`` (by form field) when there is one; other paths keep the service's words."""
    errors: FieldErrors = {}
    for path, texts in fields.items():
        field = _rename(path, renamed)
        errors.setdefault(field, [])
        sentence = messages.get(field)
        for text in [sentence] if sentence else texts:
            if text not in errors[field]:
                errors[field].append(text)
    return errors


def _rename(path: str, renamed: Mapping[str, str]) -> str:
    for prefix in sorted(renamed, key=len, reverse=True):
        if path == prefix or path.startswith(prefix + "."):
            return renamed[prefix]
    return "_form"


_OVER_CAPACITY = re.compile(r"over capacity by (\d+) minutes")


def unplaced_reason(reason: str) -> str:
    """Why supervision found no place this week, in the viewer's language."""
    if reason == "no common window":
        return gettext("No time when both the supervisor and the partner are free.")
    over = _OVER_CAPACITY.fullmatch(reason)
    if over:
        minutes = int(over.group(1))
        return ngettext(
            "The supervisor's week is full by %(num)s minute.",
            "The supervisor's week is full by %(num)s minutes.",
            minutes,
        )
    return reason
