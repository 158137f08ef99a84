"""API schemas of workflows, drafts, versions, migrations and partnership transitions.

A workflow definition itself is checked by
:class:`tpm_plugin.workflows.definition.DefinitionSchema` and the graph rules, so its
problems come back keyed by JSON path (``transitions[3].dest``); here it is an opaque
object inside the envelopes.
"""

from __future__ import annotations

from marshmallow import fields, validate

from ..workflows.definition import KEY_MAX, KEY_PATTERN, DefinitionSchema
from .common import (
    NAME_LENGTH,
    AwareDateTime,
    PageQuerySchema,
    StrictSchema,
    bounded_integer,
    bounded_string,
    object_id,
)

REASON_LENGTH = 2000


def _key(**kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=KEY_MAX), validate.Regexp(KEY_PATTERN)], **kwargs
    )


class WorkflowCreateSchema(StrictSchema):
    """``POST /workflows``: a new workflow of a program the caller manages, empty or a copy
    of a template's newest version (``template``)."""

    key = _key(required=True)
    name = bounded_string(NAME_LENGTH, required=True)
    program_id = object_id(required=True)
    template = _key()


class WorkflowSchema(StrictSchema):
    """A workflow: its newest published version and open drafts."""

    key = fields.String(required=True)
    name = fields.String(required=True)
    program_id = fields.Integer(
        allow_none=True, metadata={"description": "The owning program; empty for a template."}
    )
    newest_version = fields.Integer(allow_none=True)
    draft_ids = fields.List(fields.Integer())
    created_at = AwareDateTime()


class WorkflowListSchema(StrictSchema):
    """``GET /workflows``."""

    items = fields.List(fields.Nested(WorkflowSchema))


class DraftQuerySchema(StrictSchema):
    """``POST /workflows/<key>/drafts?from_version=N``: the version to copy."""

    from_version = bounded_integer(1)


class DraftSchema(StrictSchema):
    """A draft of the workflow's next version."""

    id = fields.Integer(required=True)
    workflow_key = fields.String(required=True)
    based_on_version = fields.Integer(allow_none=True)
    definition = fields.Nested(DefinitionSchema)
    created_by = fields.String(allow_none=True)
    created_at = AwareDateTime()
    updated_at = AwareDateTime()


class ValidationResultSchema(StrictSchema):
    """``POST …/drafts/<id>/validate``: problems keyed by JSON path (empty when valid)."""

    valid = fields.Boolean(required=True)
    problems = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class VersionSchema(StrictSchema):
    """A published, immutable version."""

    key = fields.String(attribute="workflow_key", required=True)
    version = fields.Integer(required=True)
    definition = fields.Nested(DefinitionSchema)
    published_by = fields.String(allow_none=True)
    published_at = AwareDateTime()


class VersionListSchema(StrictSchema):
    """``GET /workflows/<key>/versions``."""

    items = fields.List(fields.Nested(VersionSchema))


class MigrationRequestSchema(StrictSchema):
    """``POST /workflows/<key>/versions/<n>/migrations``: which partnerships, which mapping."""

    partnership_ids = fields.List(
        object_id(), required=True, validate=validate.Length(min=1, max=500)
    )
    stage_mapping = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=KEY_MAX)),
        values=fields.String(validate=validate.Length(min=1, max=KEY_MAX)),
        load_default=dict,
        validate=validate.Length(max=100),
    )


class MigrationSchema(StrictSchema):
    """One partnership moved between versions."""

    partnership_id = fields.Integer(required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    from_stage = fields.String(required=True)
    to_stage = fields.String(required=True)
    ended = fields.Boolean(
        required=True, metadata={"description": "Mapped into a terminal stage, so it ended."}
    )


class SkippedMigrationSchema(StrictSchema):
    """A partnership a migration left where it was (it has ended), and why."""

    partnership_id = fields.Integer(required=True)
    stage = fields.String(required=True)
    reason = fields.String(required=True)


class MigrationListSchema(StrictSchema):
    """The partnerships a migration moved, and those it skipped with the reason."""

    migrated = fields.List(fields.Nested(MigrationSchema))
    skipped = fields.List(fields.Nested(SkippedMigrationSchema))


class TransitionRequestSchema(StrictSchema):
    """``POST /partnerships/<id>/transitions``: the trigger and, when required, a reason.

    ``expected_stage`` is the stage the caller saw; when the partnership has moved on since,
    the request is refused with 409 ``stage_changed`` instead of acting on a stale view.
    """

    trigger = bounded_string(KEY_MAX, required=True)
    reason = bounded_string(REASON_LENGTH, allow_none=True)
    expected_stage = bounded_string(KEY_MAX, allow_none=True)


class TransitionResultSchema(StrictSchema):
    """A transition that happened."""

    partnership_id = fields.Integer(required=True)
    stage = fields.String(required=True)
    previous_stage = fields.String(required=True)
    trigger = fields.String(required=True)
    workflow_key = fields.String(required=True)
    workflow_version = fields.Integer(required=True)
    audit_id = fields.Integer(required=True)
    occurred_at = AwareDateTime()


class BlockReasonSchema(StrictSchema):
    """Why a transition is blocked: a failing guard or a missing role."""

    guard = fields.String()
    role = fields.String()
    message = fields.String(required=True)


class OptionSchema(StrictSchema):
    """A transition from the current stage."""

    trigger = fields.String(required=True)
    label = fields.String(required=True)
    dest = fields.String(required=True)
    reason_required = fields.Boolean(required=True)
    reasons = fields.List(fields.Nested(BlockReasonSchema))


class AvailabilitySchema(StrictSchema):
    """``GET /partnerships/<id>/transitions``: what you may do now, and what blocks the rest."""

    partnership_id = fields.Integer(required=True)
    stage = fields.String(required=True)
    workflow_key = fields.String(required=True)
    workflow_version = fields.Integer(required=True)
    available = fields.List(fields.Nested(OptionSchema(exclude=("reasons",))))
    blocked = fields.List(fields.Nested(OptionSchema))


class HistoryEntrySchema(StrictSchema):
    """One stage change in a partnership's history: a transition, or a move to another
    version of its workflow (``kind`` ``migration``, no trigger)."""

    kind = fields.String(
        required=True, metadata={"description": "transition, or migration (between versions)."}
    )
    id = fields.Integer(required=True)
    from_stage = fields.String(allow_none=True)
    to_stage = fields.String(required=True)
    trigger = fields.String(allow_none=True)
    actor_id = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    workflow_key = fields.String(required=True)
    workflow_version = fields.Integer(required=True)
    from_workflow_version = fields.Integer(
        allow_none=True, metadata={"description": "A migration's version before the move."}
    )
    occurred_at = AwareDateTime()


class HistoryQuerySchema(PageQuerySchema):
    """``GET /partnerships/<id>/history?page=&page_size=``."""
