"""Schemas of intake review: referrals flagged as possible duplicates, and a program
manager's decision on one."""

from __future__ import annotations

from marshmallow import fields

from .common import AwareDateTime, StrictSchema, bounded_string, object_id, one_of
from .workflow import REASON_LENGTH

#: What a manager may decide about a possible duplicate: a different person, or the same
#: person as one of the flagged clients.
DUPLICATE_DECISIONS = ("distinct", "same")


class PossibleDuplicateSchema(StrictSchema):
    """An intake record whose new client may be an existing one: ids only."""

    intake_record_id = fields.Integer(required=True)
    client_id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    duplicate_client_ids = fields.List(fields.Integer(), required=True)
    received_at = AwareDateTime(required=True)


class DuplicateResolutionSchema(StrictSchema):
    """``POST /intake/possible-duplicates/<intake_record_id>/resolution``."""

    decision = one_of(
        DUPLICATE_DECISIONS,
        required=True,
        metadata={
            "description": (
                "distinct: a different person (nothing moves); same: the person is "
                "same_as_client_id, and the referral's partnership moves to them."
            )
        },
    )
    same_as_client_id = object_id(
        allow_none=True,
        metadata={"description": "For same: which of the flagged clients it is."},
    )
    another_open_reason = bounded_string(
        REASON_LENGTH,
        allow_none=True,
        metadata={
            "description": (
                "For same, when that client has an open partnership already: why they need "
                "a second one."
            )
        },
    )


class DuplicateResolvedSchema(StrictSchema):
    """What a resolution did: the record's client now, and the client removed (same)."""

    intake_record_id = fields.Integer(required=True)
    decision = fields.String(required=True)
    client_id = fields.Integer(required=True)
    partnership_id = fields.Integer(required=True)
    replaced_client_id = fields.Integer(allow_none=True)
