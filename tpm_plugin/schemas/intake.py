"""Schemas of intake sources, their field mappings and dead letters.

A **mapping** says which answer of the form fills which part of the client and the intake
record: ``{"first_name": "<field ref>", "date_of_birth": "<field ref>", …}``. Refs are the
form's stable field ids or refs (Typeform ``ref``, Tally ``key``, JotForm ``q3_name``,
Formstack field id, Google Forms item id); Cognito Forms has only field names, and a
Standard Webhooks sender's refs are dotted paths into its JSON (``client.first_name``).
:func:`mapping_problems` checks one the way workflow definitions are checked: every problem
at its path, with a suggestion.
"""

from __future__ import annotations

import difflib
from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from .common import (
    NAME_LENGTH,
    AwareDateTime,
    PageQuerySchema,
    StrictSchema,
    bounded_string,
    object_id,
    one_of,
    sort_field,
)

#: Form services a source can be, and how each proves a delivery is genuine.
SIGNED_KINDS = ("standard_webhooks", "google_forms", "typeform", "tally", "formstack")
TOKEN_KINDS = ("jotform", "cognito")
SOURCE_KINDS = SIGNED_KINDS + TOKEN_KINDS

#: What a mapping may fill: the client's fields, the intake record's, and consent flags.
MAPPING_TARGETS = (
    "display_name",
    "first_name",
    "last_name",
    "date_of_birth",
    "guardian_name",
    "guardian_contact",
    "preferred_language",
    "school",
    "referral_reason",
    "consent_client",
    "consent_guardian",
)
REF_LENGTH = 200
SOURCE_SORTS = ("id", "key", "created_at")
DEAD_LETTER_SORTS = ("id", "received_at")
_KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def mapping_problems(mapping: Any) -> dict[str, list[str]]:
    """Every problem of a field mapping, keyed by its path (``mapping.first_name``); empty
    when the mapping is usable."""
    if not isinstance(mapping, dict):
        return {"mapping": ['Must be an object such as {"first_name": "<field ref>"}.']}
    problems: dict[str, list[str]] = {}
    for target, ref in mapping.items():
        path = f"mapping.{target}"
        if target not in MAPPING_TARGETS:
            close = difflib.get_close_matches(str(target), MAPPING_TARGETS, n=1, cutoff=0.6)
            hint = (
                f"Did you mean '{close[0]}'?"
                if close
                else f"Use one of {', '.join(MAPPING_TARGETS)}."
            )
            problems[path] = [f"Unknown target '{target}'. {hint}"]
        elif not isinstance(ref, str) or not ref.strip() or "\x00" in ref:
            problems[path] = ["Give the form's field id or ref as a non-empty string."]
        elif len(ref) > REF_LENGTH:
            problems[path] = [f"A field ref has at most {REF_LENGTH} characters."]
    if "display_name" not in mapping and "first_name" not in mapping:
        problems.setdefault("mapping", []).append(
            "Map display_name, or first_name (with last_name), so every client has a name."
        )
    return problems


class IntakeSourceSchema(StrictSchema):
    """An intake source as the API shows it: never its secrets, only whether an older one
    is still accepted."""

    id = fields.Integer(required=True)
    key = fields.String(required=True)
    kind = fields.String(required=True)
    program_id = fields.Integer(required=True)
    mapping = fields.Dict(required=True)
    active = fields.Boolean(required=True)
    accepts_previous_secret = fields.Function(lambda source: source.previous_secret is not None)
    created_at = AwareDateTime(required=True)
    secret_rotated_at = AwareDateTime(allow_none=True)


class IntakeSourceCreatedSchema(IntakeSourceSchema):
    """The answer to creating a source or rotating its secret: the only time the secret
    (and, for token sources, the URL that carries it) is shown."""

    secret = fields.String(required=True)
    url_token = fields.String(allow_none=True)


class _MappingField(fields.Dict):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        problems = mapping_problems(value)
        if problems:
            raise ValidationError(
                {
                    path.removeprefix("mapping").lstrip(".") or "_schema": texts
                    for path, texts in problems.items()
                }
            )
        return {target: ref.strip() for target, ref in value.items()}


class IntakeSourceCreateSchema(StrictSchema):
    """``POST /intake/sources``. ``secret`` is the signing secret set in the form service
    (Typeform, Tally, Formstack); left out, the plugin makes one (always, for the others)."""

    key = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=64),
            validate.Regexp(_KEY_PATTERN, error="Use lowercase letters, digits, '_' and '-'."),
        ],
    )
    kind = one_of(SOURCE_KINDS, required=True)
    program_id = object_id(required=True)
    mapping = _MappingField(required=True)
    secret = bounded_string(NAME_LENGTH)
    handshake_key = bounded_string(NAME_LENGTH)

    @validates("secret")
    def _long_enough(self, value: str, **kwargs: Any) -> None:
        if len(value) < 16:
            raise ValidationError("A signing secret needs at least 16 characters.")


class IntakeSourceUpdateSchema(StrictSchema):
    """``PATCH /intake/sources/<id>``: a fixed mapping, or switching the source off/on."""

    mapping = _MappingField()
    active = fields.Boolean()


class SecretRotationSchema(StrictSchema):
    """``POST /intake/sources/<id>/secret``: the new secret (made by the plugin if left out);
    the current one stays accepted beside it until the next rotation."""

    secret = bounded_string(NAME_LENGTH)


class IntakeSourceListQuerySchema(PageQuerySchema):
    """``GET /intake/sources``."""

    program_id = object_id()
    sort = sort_field(SOURCE_SORTS, "id")


class DeadLetterSchema(StrictSchema):
    """A dead letter as a manager sees it: what went wrong, never the body."""

    id = fields.Integer(required=True)
    source_id = fields.Integer(required=True)
    delivery_id = fields.String(required=True)
    content_type = fields.String(required=True)
    problems = fields.Dict(required=True)
    status = fields.String(required=True)
    client_id = fields.Integer(allow_none=True)
    received_at = AwareDateTime(required=True)
    replayed_at = AwareDateTime(allow_none=True)


class DeadLetterListQuerySchema(PageQuerySchema):
    """``GET /intake/dead-letters``."""

    source_id = object_id()
    status = one_of(("waiting", "replayed"))
    sort = sort_field(DEAD_LETTER_SORTS, "id")


class IntakeOpenedSchema(StrictSchema):
    """What a delivery (or a replayed dead letter) opened: ids only."""

    source_id = fields.Integer(required=True)
    intake_record_id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    program_id = fields.Integer()
    stage = fields.String()
    possible_duplicate_client_ids = fields.List(fields.Integer())
    outcome = fields.String()
