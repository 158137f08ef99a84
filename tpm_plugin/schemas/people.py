"""Schemas of programs, program managers, clients, partners and supervisors."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from ..i18n import LANGUAGES
from ..models import PROGRAM_SETTINGS
from .common import (
    MAX_INT,
    NAME_LENGTH,
    AwareDateTime,
    BoundedDate,
    PageQuerySchema,
    StrictSchema,
    bounded_integer,
    bounded_string,
    object_id,
    one_of,
    sort_field,
)

HOST_USER_ID_LENGTH = 64
#: Sort keys of the people lists (the services order by the columns of these names).
PROGRAM_SORTS = ("id", "key", "created_at")
PERSON_SORTS = ("id", "created_at")
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"


def _key(**kwargs: Any) -> fields.String:
    return fields.String(
        validate=[
            validate.Length(min=1, max=64),
            validate.Regexp(KEY_PATTERN, error="Use lowercase letters, digits, '_' and '-'."),
        ],
        **kwargs,
    )


def _timezone(**kwargs: Any) -> fields.String:
    return bounded_string(64, **kwargs)


def _check_timezone(value: str | None) -> None:
    if value is None:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError("Not a known IANA timezone, such as Europe/Berlin.") from None


def _host_user_id(**kwargs: Any) -> fields.String:
    return bounded_string(HOST_USER_ID_LENGTH, **kwargs)


# --- programs -------------------------------------------------------------------------


class ProgramSchema(StrictSchema):
    """A program as the API shows it."""

    id = fields.Integer(required=True)
    key = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    meetings_per_week = fields.Integer(required=True)
    supervision_minutes_per_client = fields.Integer(required=True)
    workflow_key = fields.String(required=True)
    setting = fields.String(
        required=True,
        metadata={"description": "individual, or afterschool (partners log group activities)."},
    )
    remind_guardians = fields.Boolean(required=True)
    language = fields.String(
        allow_none=True,
        metadata={"description": "Language of pages and messages for people who chose none."},
    )
    created_at = AwareDateTime(required=True)


class ProgramUpdateSchema(StrictSchema):
    """``PATCH /programs/<id>``: any of name, timezone, the two cadences, the setting and the
    workflow (one of the program's own)."""

    name = bounded_string(NAME_LENGTH)
    timezone = _timezone()
    meetings_per_week = bounded_integer(1, 14)
    supervision_minutes_per_client = bounded_integer(0, 240)
    setting = fields.String(validate=validate.OneOf(PROGRAM_SETTINGS))
    workflow_key = fields.String(validate=validate.Length(min=1, max=64))
    remind_guardians = fields.Boolean(
        metadata={"description": "Meeting reminders also go to a minor client's guardian."}
    )
    language = one_of(LANGUAGES, allow_none=True)

    @validates("timezone")
    def _known_timezone(self, value: str, **kwargs: Any) -> None:
        _check_timezone(value)


class ProgramCreateSchema(ProgramUpdateSchema):
    """``POST /programs``: a new program the caller (and ``manager_user_ids``) manage."""

    key = _key(required=True)
    name = bounded_string(NAME_LENGTH, required=True)
    workflow_key = _key()
    manager_user_ids = fields.List(
        _host_user_id(required=True), validate=validate.Length(max=20), load_default=list
    )


class ProgramListQuerySchema(PageQuerySchema):
    """``GET /programs`` parameters."""

    sort = sort_field(PROGRAM_SORTS, "id")


class ProgramManagerSchema(StrictSchema):
    """A host user who manages a program."""

    id = fields.Integer(required=True)
    program_id = fields.Integer(required=True)
    host_user_id = fields.String(required=True)


class ProgramManagerCreateSchema(StrictSchema):
    """``POST /programs/<id>/managers``."""

    host_user_id = _host_user_id(required=True)


# --- clients --------------------------------------------------------------------------

CONSENT_BY = ("client", "guardian")


class ClientSchema(StrictSchema):
    """A client as the API shows it (identifying fields are null once erased)."""

    id = fields.Integer(required=True)
    program_id = fields.Integer(required=True)
    display_name = fields.String(allow_none=True)
    date_of_birth = fields.Date(allow_none=True)
    is_minor = fields.Boolean(required=True)
    guardian_name = fields.String(allow_none=True)
    guardian_contact = fields.String(allow_none=True)
    preferred_language = fields.String(allow_none=True)
    consent_given_at = AwareDateTime(allow_none=True)
    consent_given_by = fields.String(allow_none=True)
    host_user_id = fields.String(allow_none=True)
    erased_at = AwareDateTime(allow_none=True)
    created_at = AwareDateTime(required=True)


class ClientUpdateSchema(StrictSchema):
    """``PATCH /clients/<id>``: any of the client's own fields."""

    display_name = bounded_string(NAME_LENGTH)
    date_of_birth = BoundedDate(allow_none=True)
    is_minor = fields.Boolean()
    guardian_name = bounded_string(NAME_LENGTH, allow_none=True)
    guardian_contact = bounded_string(NAME_LENGTH, allow_none=True)
    preferred_language = bounded_string(35, allow_none=True)
    consent_given_at = AwareDateTime(allow_none=True)
    consent_given_by = one_of(CONSENT_BY, allow_none=True)
    host_user_id = _host_user_id(allow_none=True)

    @validates("date_of_birth")
    def _born_already(self, value: dt.date | None, **kwargs: Any) -> None:
        if value is not None and value > dt.date.today():
            raise ValidationError("Must not be in the future.")

    @validates_schema
    def _minor_consent_by_guardian(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("is_minor") and data.get("consent_given_by") == "client":
            raise ValidationError(
                "A minor's consent is given by their guardian.", field_name="consent_given_by"
            )


class ClientCreateSchema(ClientUpdateSchema):
    """``POST /clients``: a client in a program the caller manages."""

    program_id = object_id(required=True)
    display_name = bounded_string(NAME_LENGTH, required=True)
    is_minor = fields.Boolean(load_default=False)


class PeopleListQuerySchema(PageQuerySchema):
    """``GET /clients``, ``/partners``, ``/supervisors`` parameters."""

    program_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    sort = sort_field(PERSON_SORTS, "id")


# --- partners and supervisors ---------------------------------------------------------


class HelperSchema(StrictSchema):
    """A partner or supervisor as the API shows them."""

    id = fields.Integer(required=True)
    program_id = fields.Integer(required=True)
    display_name = fields.String(required=True)
    contact = fields.String(allow_none=True)
    host_user_id = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    preferred_language = fields.String(
        allow_none=True,
        metadata={"description": "Language of their pages and messages (null: the program's)."},
    )
    created_at = AwareDateTime(required=True)


class HelperUpdateSchema(StrictSchema):
    """``PATCH /partners/<id>`` or ``/supervisors/<id>``."""

    display_name = bounded_string(NAME_LENGTH)
    contact = bounded_string(NAME_LENGTH, allow_none=True)
    host_user_id = _host_user_id(allow_none=True)
    active = fields.Boolean()
    preferred_language = one_of(LANGUAGES, allow_none=True)


class HelperCreateSchema(HelperUpdateSchema):
    """``POST /partners`` or ``/supervisors``: in a program the caller manages."""

    program_id = object_id(required=True)
    display_name = bounded_string(NAME_LENGTH, required=True)


class PartnerSchema(HelperSchema):
    """A partner: a community member who meets clients."""


class SupervisorSchema(HelperSchema):
    """A supervisor: meets each partner weekly."""
