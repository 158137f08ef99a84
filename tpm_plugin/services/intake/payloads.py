"""Each form service's payload read into one shape: a :class:`Submission`.

A submission has the delivery id (the idempotency key), the service's id of the submission
itself, a version (only Cognito Forms versions its entries) and the answers, flattened to
``{field ref: value}``. Payload shapes follow each service's published documentation:

* Standard Webhooks / Google Forms: any JSON; refs are dotted paths (``client.first_name``);
  the delivery id is the ``webhook-id`` header.
* Typeform: ``form_response.answers[]``, each under its ``field.ref`` and ``field.id``.
* Tally: ``data.fields[]`` by ``key``; choice answers are option ids, read as their text.
* Formstack: field ids as top-level keys, JSON or form-encoded; ``UniqueID``.
* JotForm: multipart (or form-encoded) with ``submissionID`` and ``rawRequest``, a JSON
  string whose keys are ``q<N>_<name>``.
* Cognito Forms: the entry as JSON, fields by name; ``Id`` and ``Entry.Version``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.formparser import parse_form_data

from ...errors import TPMError


@dataclass(frozen=True)
class Submission:
    """One form submission as every service's payload is read.

    Attributes:
        delivery_id: unique per delivery; a repeat is answered as the first was.
        submission_id: the service's id of the submission (several deliveries may share it).
        version: newer versions of a submission replace older ones (Cognito Forms).
        answers: the answers by field ref; nested objects also appear under dotted refs.
    """

    delivery_id: str
    submission_id: str
    version: int = 0
    answers: dict[str, Any] = field(default_factory=dict)


class PayloadUnreadable(TPMError):
    """The body is not the payload this kind of source sends (400); nothing is opened."""

    status = 400
    code = "unreadable_payload"


def read_submission(
    kind: str, body: bytes, content_type: str, delivery_header: str | None
) -> Submission:
    """Read ``body`` as a ``kind`` source's payload.

    Args:
        kind: the source's kind.
        body: the raw body, already verified.
        content_type: the request's Content-Type (with parameters, for multipart).
        delivery_header: the ``webhook-id`` header (Standard Webhooks and Google Forms).

    Raises:
        PayloadUnreadable: malformed JSON or form data, or no delivery id where one is due.
    """
    if kind in ("standard_webhooks", "google_forms"):
        payload = _json(body)
        ident = delivery_header or ""
        submission = payload.get("responseId") if isinstance(payload, dict) else None
        return _submission(ident, submission or ident, 0, flatten(payload))
    reader = _READERS[kind]
    return reader(body, content_type)


def _typeform(body: bytes, content_type: str) -> Submission:
    payload = _object(_json(body))
    response = _object(payload.get("form_response"), "form_response")
    answers: dict[str, Any] = {}
    for answer in response.get("answers") or []:
        if not isinstance(answer, dict):
            continue
        value = answer.get(answer.get("type", ""))
        if isinstance(value, dict):
            # choice: {"label": …}; choices: {"labels": […]}; payment and the like
            value = value.get("label", value.get("labels", value))
        ref = _object(answer.get("field"), "field")
        for key in (ref.get("ref"), ref.get("id")):
            if isinstance(key, str):
                answers[key] = value
    answers.update(_prefixed("hidden", response.get("hidden")))
    return _submission(
        payload.get("event_id"), response.get("token") or payload.get("event_id"), 0, answers
    )


def _tally(body: bytes, content_type: str) -> Submission:
    payload = _object(_json(body))
    data = _object(payload.get("data"), "data")
    answers: dict[str, Any] = {}
    for item in data.get("fields") or []:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str):
            continue
        value = item.get("value")
        options = {
            o.get("id"): o.get("text") for o in item.get("options") or [] if isinstance(o, dict)
        }
        if options and isinstance(value, list):
            value = [options.get(choice, choice) for choice in value]
            value = value[0] if len(value) == 1 and item.get("type") != "CHECKBOXES" else value
        answers[item["key"]] = value
    return _submission(payload.get("eventId"), data.get("responseId"), 0, answers)


def _formstack(body: bytes, content_type: str) -> Submission:
    payload = _object(_json(body)) if "json" in content_type else _form(body, content_type)
    return _submission(payload.get("UniqueID"), payload.get("UniqueID"), 0, flatten(payload))


def _jotform(body: bytes, content_type: str) -> Submission:
    form = _form(body, content_type)
    raw = form.get("rawRequest")
    if not isinstance(raw, str) or not raw:
        raise PayloadUnreadable(
            "JotForm's submission has no rawRequest field; check the webhook sends the full "
            "submission.",
            fields={"rawRequest": ["Missing."]},
        )
    answers = flatten(_object(_json(raw.encode("utf-8"), "rawRequest"), "rawRequest"))
    return _submission(form.get("submissionID"), form.get("submissionID"), 0, answers)


def _cognito(body: bytes, content_type: str) -> Submission:
    payload = _object(_json(body))
    entry = payload.get("Entry") if isinstance(payload.get("Entry"), dict) else {}
    version = entry.get("Version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise PayloadUnreadable(
            "Cognito's Entry.Version is not a whole number.",
            fields={"Entry.Version": ["Must be a whole number."]},
        )
    ident = payload.get("Id")
    delivery = f"{ident}:{version}" if isinstance(ident, str | int) else None
    return _submission(delivery, ident, version, flatten(payload))


_READERS = {
    "typeform": _typeform,
    "tally": _tally,
    "formstack": _formstack,
    "jotform": _jotform,
    "cognito": _cognito,
}


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` as ``{"a": {"b": 1}, "a.b": 1}``: every object under its own
    ref and each of its members under a dotted one, so a mapping can take either."""
    flat: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, member in value.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat[path] = member
            if isinstance(member, dict):
                flat.update(flatten(member, path))
    return flat


def _prefixed(prefix: str, value: Any) -> dict[str, Any]:
    return (
        {f"{prefix}.{key}": member for key, member in value.items()}
        if isinstance(value, dict)
        else {}
    )


def _submission(
    delivery: Any, submission: Any, version: int, answers: dict[str, Any]
) -> Submission:
    if not isinstance(delivery, str | int) or isinstance(delivery, bool) or not str(delivery):
        raise PayloadUnreadable(
            "The payload carries no delivery id, so a repeat could not be recognised.",
            fields={"delivery_id": ["Missing."]},
        )
    delivery, submission = str(delivery), str(submission if submission is not None else delivery)
    if len(delivery) > 200 or len(submission) > 200:
        raise PayloadUnreadable(
            "The delivery id is longer than 200 characters.", fields={"delivery_id": ["Too long."]}
        )
    return Submission(delivery, submission, version, answers)


def _json(body: bytes, name: str = "_body") -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise PayloadUnreadable(
            f"The body is not valid JSON ({type(error).__name__}).", fields={name: ["Not JSON."]}
        ) from None


def _object(value: Any, name: str = "_body") -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PayloadUnreadable(
            f"Expected a JSON object at {name}.", fields={name: ["Must be an object."]}
        )
    return value


def _form(body: bytes, content_type: str) -> MultiDict[str, str]:
    environ = {
        "wsgi.input": BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": content_type,
        "REQUEST_METHOD": "POST",
    }
    try:
        _, form, _ = parse_form_data(environ, max_form_memory_size=len(body) + 1)
    except ValueError:
        raise PayloadUnreadable(
            "The form data cannot be read.", fields={"_body": ["Malformed form data."]}
        ) from None
    return form
