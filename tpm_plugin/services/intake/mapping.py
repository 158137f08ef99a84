"""Applying a source's field mapping to a submission's answers: the client's fields, the
intake record's, and consent.

Text is normalised before it is kept: Unicode NFC (so "José" typed two ways is one name,
and duplicates are found), surrounding space stripped, and bidirectional override and
isolate controls (U+202A–U+202E, U+2066–U+2069) removed from names, where they only serve
to make one name look like another. Joiners (ZWJ, as in emoji sequences) stay.
Problems name the target and the form's field ref, never the answer itself.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ...errors import ValidationFailed
from ...schemas.common import EARLIEST_YEAR, NAME_LENGTH, NOTE_LENGTH

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_TRUE = {"true", "yes", "y", "1", "on", "checked", "agree", "i agree"}
_FALSE = {"false", "no", "n", "0", "off", "", "unchecked"}
_TEXT_TARGETS = {
    "display_name": NAME_LENGTH,
    "first_name": NAME_LENGTH,
    "last_name": NAME_LENGTH,
    "guardian_name": NAME_LENGTH,
    "guardian_contact": NAME_LENGTH,
    "preferred_language": 35,
    "school": NAME_LENGTH,
    "referral_reason": NOTE_LENGTH,
}
_NAMES = {"display_name", "first_name", "last_name", "guardian_name"}


class MappingFailed(ValidationFailed):
    """The answers do not fill the mapping (422); each problem is keyed by its target."""

    code = "mapping_failed"


@dataclass(frozen=True)
class Referral:
    """What a submission says about the client, once mapped and checked."""

    display_name: str
    date_of_birth: dt.date | None = None
    guardian_name: str | None = None
    guardian_contact: str | None = None
    preferred_language: str | None = None
    school: str | None = None
    referral_reason: str | None = None
    consent: dict[str, bool] = field(default_factory=dict)

    @property
    def consent_given_by(self) -> str | None:
        """Who consented, as the client row records it (a guardian's consent comes first)."""
        if self.consent.get("consent_guardian"):
            return "guardian"
        if self.consent.get("consent_client"):
            return "client"
        return None


def map_referral(mapping: dict[str, str], answers: dict[str, Any], today: dt.date) -> Referral:
    """The referral ``answers`` make under ``mapping``.

    Raises:
        MappingFailed: a name is missing, or an answer has the wrong type or length; every
            target at fault is named with its field ref.
    """
    values: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for target, ref in mapping.items():
        if ref not in answers or answers[ref] in (None, "", []):
            continue
        try:
            values[target] = _read(target, answers[ref], today)
        except ValueError as error:
            problems[target] = [f"The answer to field '{ref}' {error}"]
    name = values.pop("display_name", None) or " ".join(
        part for part in (values.pop("first_name", None), values.pop("last_name", None)) if part
    )
    values.pop("first_name", None)
    values.pop("last_name", None)
    if not name and not any(t in problems for t in ("display_name", "first_name", "last_name")):
        refs = [mapping[t] for t in ("display_name", "first_name", "last_name") if t in mapping]
        problems["display_name"] = [
            f"The submission has no answer to the name field(s) {', '.join(refs)}; check the "
            "mapping still names the form's current field refs."
        ]
    elif len(name) > NAME_LENGTH:
        problems["display_name"] = [f"The name is longer than {NAME_LENGTH} characters."]
    if problems:
        raise MappingFailed(
            "The submission does not fit the source's mapping; it is kept as a dead letter "
            "for a manager to fix the mapping and replay.",
            fields=problems,
        )
    consent = {t: values.pop(t) for t in ("consent_client", "consent_guardian") if t in values}
    return Referral(display_name=name, consent=consent, **values)


def _read(target: str, value: Any, today: dt.date) -> Any:
    if target in ("consent_client", "consent_guardian"):
        return _flag(value)
    if target == "date_of_birth":
        return _date(value, today)
    text = _text(value)
    if target in _NAMES:
        text = _BIDI_CONTROLS.sub("", text).strip()
    elif target == "guardian_contact" and "@" in text:
        text = text.casefold()  # e-mail addresses compare case-blind when finding duplicates
    if len(text) > _TEXT_TARGETS[target]:
        raise ValueError(f"is longer than {_TEXT_TARGETS[target]} characters.")
    if "\x00" in text:
        raise ValueError("contains a NUL character.")
    return text


def _text(value: Any) -> str:
    if isinstance(value, bool):
        raise ValueError("is a yes/no answer where text is expected.")
    if isinstance(value, str | int | float):
        text = str(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(value)
    elif isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        # JotForm's and Formstack's name fields: {"first": …, "last": …}
        text = " ".join(v for v in value.values() if v)
    else:
        raise ValueError("is not text.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text.") from None
    return unicodedata.normalize("NFC", text).strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, list):
        return bool(value)
    if isinstance(value, str) and value.strip().casefold() in _TRUE | _FALSE:
        return value.strip().casefold() in _TRUE
    raise ValueError("is not a yes/no answer.")


def _date(value: Any, today: dt.date) -> dt.date:
    try:
        if isinstance(value, dict):
            # JotForm's date field: {"month": "05", "day": "01", "year": "2012"}
            day = dt.date(int(value["year"]), int(value["month"]), int(value["day"]))
        elif isinstance(value, str):
            day = dt.date.fromisoformat(value.strip()[:10])
        else:
            raise TypeError
    except (KeyError, TypeError, ValueError):
        raise ValueError("is not a date such as 2012-05-01.") from None
    if not dt.date(EARLIEST_YEAR, 1, 1) <= day <= today:
        raise ValueError(f"is a date of birth outside {EARLIEST_YEAR} to today.")
    return day
