"""Intake test helpers: sources made through the services, each vendor's payload as its
public documentation shows it, and each vendor's way of signing a body.

Payload shapes (field names, nesting, types) follow the vendors' published webhook
examples; the values are made up. ``deliver_*`` post through the test client and return
the response.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import itertools
import json
import uuid
from typing import Any

from flask.testing import FlaskClient
from standardwebhooks import Webhook

from tpm_plugin.models import Program
from tpm_plugin.services.intake import sources

from . import factories

_numbers = itertools.count(1)

#: A mapping per kind, from the stable refs of the payloads below.
MAPPINGS: dict[str, dict[str, str]] = {
    "standard_webhooks": {
        "first_name": "client.first_name",
        "last_name": "client.last_name",
        "date_of_birth": "client.date_of_birth",
        "guardian_name": "guardian.name",
        "guardian_contact": "guardian.phone",
        "school": "client.school",
        "preferred_language": "client.language",
        "referral_reason": "reason",
        "consent_guardian": "consent.guardian",
    },
    "google_forms": {
        "display_name": "answers.1001",
        "date_of_birth": "answers.1002",
        "referral_reason": "answers.1003",
        "consent_guardian": "answers.1004",
    },
    "typeform": {
        "display_name": "client_name",
        "date_of_birth": "client_dob",
        "guardian_contact": "guardian_email",
        "preferred_language": "language",
        "consent_guardian": "guardian_consent",
        "referral_reason": "reason",
    },
    "tally": {
        "first_name": "question_first",
        "last_name": "question_last",
        "date_of_birth": "question_dob",
        "preferred_language": "question_language",
        "consent_client": "question_consent",
    },
    "formstack": {
        "display_name": "111",
        "date_of_birth": "112",
        "guardian_contact": "113",
        "consent_guardian": "114",
    },
    "jotform": {
        "display_name": "q3_name",
        "date_of_birth": "q4_dateOf",
        "guardian_contact": "q5_guardianPhone",
        "school": "q6_school",
    },
    "cognito": {
        "first_name": "Name.First",
        "last_name": "Name.Last",
        "date_of_birth": "DateOfBirth",
        "guardian_contact": "GuardianEmail",
        "referral_reason": "ReasonForReferral",
    },
}


def source(
    program: Program | None = None, kind: str = "standard_webhooks", **fields: Any
) -> sources.IssuedSecret:
    """A source of ``kind`` for ``program`` (default: a new one), made by its manager."""
    program = program or factories.program()
    manager = factories.actor(factories.program_manager_of(program))
    data = {
        "key": f"{kind.replace('_', '-')}-{next(_numbers)}",
        "kind": kind,
        "program_id": program.id,
        "mapping": MAPPINGS[kind],
        **fields,
    }
    return sources.create_source(manager, data)


# --- payloads, as each vendor's documentation shows them --------------------------------


def standard_payload(first: str = "Ana", last: str = "Lima", **client: Any) -> dict[str, Any]:
    """A center's own referral system, as any Standard Webhooks sender might post it."""
    return {
        "type": "referral.created",
        "timestamp": "2026-11-29T10:00:00Z",
        "client": {
            "first_name": first,
            "last_name": last,
            "date_of_birth": "2014-03-09",
            "school": "Riverside Elementary",
            "language": "pt",
            **client,
        },
        "guardian": {"name": "Marta Lima", "phone": "+1 555 0100"},
        "reason": "Withdrawn at school since moving.",
        "consent": {"guardian": True},
    }


def typeform_payload(name: str = "Ana Lima", token: str | None = None) -> dict[str, Any]:
    """Typeform's ``form_response`` event (answers typed by field type, keyed by ref)."""
    token = token or uuid.uuid4().hex
    field = {"id": "Xz1", "type": "short_text", "ref": "client_name"}
    return {
        "event_id": f"01H{uuid.uuid4().hex[:23].upper()}",
        "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j",
            "token": token,
            "landed_at": "2026-11-29T09:58:02Z",
            "submitted_at": "2026-11-29T10:00:02Z",
            "hidden": {"center": "north"},
            "definition": {"id": "lT4Z3j", "title": "Referral", "fields": [field]},
            "answers": [
                {"type": "text", "text": name, "field": field},
                {
                    "type": "date",
                    "date": "2014-03-09",
                    "field": {"id": "Xz2", "type": "date", "ref": "client_dob"},
                },
                {
                    "type": "email",
                    "email": "marta@example.org",
                    "field": {"id": "Xz3", "type": "email", "ref": "guardian_email"},
                },
                {
                    "type": "choice",
                    "choice": {"label": "Portuguese"},
                    "field": {"id": "Xz4", "type": "multiple_choice", "ref": "language"},
                },
                {
                    "type": "boolean",
                    "boolean": True,
                    "field": {"id": "Xz5", "type": "yes_no", "ref": "guardian_consent"},
                },
                {
                    "type": "text",
                    "text": "Struggles to make friends.",
                    "field": {"id": "Xz6", "type": "long_text", "ref": "reason"},
                },
            ],
        },
    }


def tally_payload(first: str = "Ana", last: str = "Lima") -> dict[str, Any]:
    """Tally's ``FORM_RESPONSE`` event: ``data.fields`` by key, choices as option ids."""
    response_id = uuid.uuid4().hex[:6]
    return {
        "eventId": str(uuid.uuid4()),
        "eventType": "FORM_RESPONSE",
        "createdAt": "2026-11-29T10:00:21.889Z",
        "data": {
            "responseId": response_id,
            "submissionId": response_id,
            "respondentId": "dwQKYm",
            "formId": "VwbNEw",
            "formName": "Referral",
            "createdAt": "2026-11-29T10:00:21.000Z",
            "fields": [
                {
                    "key": "question_first",
                    "label": "First name",
                    "type": "INPUT_TEXT",
                    "value": first,
                },
                {"key": "question_last", "label": "Last name", "type": "INPUT_TEXT", "value": last},
                {
                    "key": "question_dob",
                    "label": "Date of birth",
                    "type": "INPUT_DATE",
                    "value": "2014-03-09",
                },
                {
                    "key": "question_language",
                    "label": "Language",
                    "type": "MULTIPLE_CHOICE",
                    "value": ["5c3a"],
                    "options": [{"id": "5c3a", "text": "Arabic"}, {"id": "9d1f", "text": "Dari"}],
                },
                {
                    "key": "question_consent",
                    "label": "I agree",
                    "type": "CHECKBOXES",
                    "value": True,
                },
            ],
        },
    }


def formstack_payload(name: str = "Ana Lima", handshake: str | None = None) -> dict[str, Any]:
    """Formstack's JSON webhook: field ids as keys, ``FormID``, ``UniqueID``, ``HandshakeKey``."""
    first, _, last = name.partition(" ")
    payload: dict[str, Any] = {
        "FormID": "4567890",
        "UniqueID": str(next(_numbers) + 900_000_000),
        "111": {"first": first, "last": last},
        "112": "2014-03-09",
        "113": "marta@example.org",
        "114": "Yes",
    }
    if handshake is not None:
        payload["HandshakeKey"] = handshake
    return payload


def jotform_fields(name: str = "Ana Lima", raw_request: str | None = None) -> dict[str, str]:
    """JotForm's webhook form fields: ``submissionID``, ``pretty`` and ``rawRequest``."""
    first, _, last = name.partition(" ")
    raw = {
        "slug": "submit/231234567890/",
        "q3_name": {"first": first, "last": last},
        "q4_dateOf": {"month": "03", "day": "09", "year": "2014"},
        "q5_guardianPhone": {"full": "(555) 555-0100"},
        "q6_school": "Riverside Elementary",
        "event_id": "1700000000000_231234567890_abc",
    }
    return {
        "formID": "231234567890",
        "submissionID": str(5_800_000_000_000 + next(_numbers)),
        "webhookURL": "https://center.example.org/tpm/webhooks/intake/jotform",
        "ip": "203.0.113.7",
        "formTitle": "Referral",
        "pretty": f"Name:{name}, Date of birth:03 09 2014",
        "username": "center",
        "rawRequest": json.dumps(raw) if raw_request is None else raw_request,
        "type": "WEB",
    }


def cognito_payload(
    version: int = 1, entry_id: str | None = None, first: str = "Ana"
) -> dict[str, Any]:
    """Cognito Forms' entry JSON: fields by name, ``Id`` and ``Entry.Version``."""
    entry_id = entry_id or f"5-{next(_numbers)}"
    return {
        "Form": {"Id": "5", "InternalName": "Referral", "Name": "Referral"},
        "Name": {"First": first, "Last": "Lima", "FirstAndLast": f"{first} Lima"},
        "DateOfBirth": "2014-03-09",
        "GuardianEmail": "marta@example.org",
        "ReasonForReferral": f"Referral version {version}.",
        "Id": entry_id,
        "Entry": {
            "Number": int(entry_id.split("-")[1]),
            "Version": version,
            "Action": "Update" if version > 1 else "Submit",
            "DateCreated": "2026-11-29T10:00:00Z",
            "DateUpdated": "2026-11-29T10:05:00Z",
        },
    }


def google_forms_payload(name: str = "Ana Lima") -> dict[str, Any]:
    """What the README's Apps Script posts for a response."""
    return {
        "responseId": f"2_ABaOnud{uuid.uuid4().hex[:10]}",
        "submittedAt": "2026-11-29T10:00:00.000Z",
        "answers": {"1001": name, "1002": "2014-03-09", "1003": "Needs a friend.", "1004": "Yes"},
    }


# --- signing ---------------------------------------------------------------------------


def standard_headers(
    secret: str, body: bytes, *, msg_id: str | None = None, at: dt.datetime | None = None
) -> dict[str, str]:
    """Standard Webhooks headers for ``body``, signed with ``secret`` at ``at`` (now)."""
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or dt.datetime.now(dt.UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode("utf-8")),
        "Content-Type": "application/json",
    }


def hmac_base64(secret: str, body: bytes) -> str:
    """base64 HMAC-SHA256 (Typeform, Tally)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def hmac_hex(secret: str, body: bytes) -> str:
    """hex HMAC-SHA256 (Formstack)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def url(issued: sources.IssuedSecret, token: str | None = None) -> str:
    """The source's intake URL (with ``?token=`` for JotForm and Cognito Forms)."""
    path = f"/tpm/webhooks/intake/{issued.source.key}"
    token = token if token is not None else issued.url_token
    return f"{path}?token={token}" if token else path


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode("utf-8")


def deliver(client: FlaskClient, issued: sources.IssuedSecret, payload: Any, **options: Any):
    """Post ``payload`` to the source, signed the way its kind signs (``options`` go to the
    test client; ``headers`` there are added to the signature's)."""
    kind = issued.source.kind
    extra_headers = options.pop("headers", {})
    if kind == "jotform":
        return client.post(url(issued), data=payload, headers=extra_headers, **options)
    body = payload if isinstance(payload, bytes) else encode(payload)
    headers = {"Content-Type": "application/json"}
    if kind in ("standard_webhooks", "google_forms"):
        headers = standard_headers(issued.secret, body)
    elif kind == "typeform":
        headers["Typeform-Signature"] = "sha256=" + hmac_base64(issued.secret, body)
    elif kind == "tally":
        headers["Tally-Signature"] = hmac_base64(issued.secret, body)
    elif kind == "formstack":
        headers["X-FS-Signature"] = "sha256=" + hmac_hex(issued.secret, body)
    headers.update(extra_headers)
    return client.post(url(issued), data=body, headers=headers, **options)


PAYLOADS = {
    "standard_webhooks": standard_payload,
    "google_forms": google_forms_payload,
    "typeform": typeform_payload,
    "tally": tally_payload,
    "formstack": formstack_payload,
    "jotform": jotform_fields,
    "cognito": cognito_payload,
}


def manager_of(issued: sources.IssuedSecret):
    """The actor of a manager of the source's program."""
    from tpm_plugin.services._unit import session

    program = session().get(Program, issued.source.program_id)
    return factories.actor(factories.program_manager_of(program))


def program_of(issued: sources.IssuedSecret) -> Program:
    """The program a source belongs to."""
    from tpm_plugin.services._unit import session

    return session().get(Program, issued.source.program_id)
