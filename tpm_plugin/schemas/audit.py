"""The access audit as the API shows it to a program's managers."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import MAX_INT, AwareDateTime, PageQuerySchema, StrictSchema, bounded_string

#: Outcomes of an access-audit row.
AUDIT_OUTCOMES = ("allowed", "denied", "refused")


class AuditQuerySchema(PageQuerySchema):
    """``GET /programs/<id>/audit`` filters: who (``actor_id``, a host user id), which
    partnership, which action, and when (``occurred_from`` inclusive, ``occurred_before``
    exclusive). Newest first."""

    actor_id = bounded_string(64)
    partnership_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    action = bounded_string(20)
    occurred_from = AwareDateTime()
    occurred_before = AwareDateTime()


class AccessAuditSchema(StrictSchema):
    """One request that read or changed care data of the program, allowed or refused.

    ``actor_role`` is the role the actor held on the object touched (``null``: none, as
    for an attempt outside their scope), or ``intake_source`` for what an intake source
    delivered (``actor_id`` ``intake-source:<id>``). A list is one row: ``object_ids`` are
    the ids it answered. ``outcome``: ``allowed``, ``denied`` (401/403/404) or ``refused``
    (409/422).
    """

    id = fields.Integer(required=True)
    occurred_at = AwareDateTime(required=True)
    actor_id = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    action = fields.String(required=True)
    outcome = fields.String(required=True)
    object_type = fields.String(required=True)
    object_id = fields.String(allow_none=True)
    object_ids = fields.List(fields.Integer(), allow_none=True)
    partnership_id = fields.Integer(allow_none=True)
    program_id = fields.Integer(allow_none=True)
