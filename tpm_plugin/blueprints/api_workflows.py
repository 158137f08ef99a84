"""``/workflows`` (definitions, drafts, versions, migrations) and a partnership's
``/transitions`` and ``/history``.

A draft's body *is* the workflow definition, so its problems come back in the error's
``fields`` keyed by the definition's own JSON paths (``transitions[3].dest``).
"""

from __future__ import annotations

from flask import Response, request

from ..access import current_actor
from ..schemas.common import page_of
from ..schemas.workflow import (
    AvailabilitySchema,
    DraftQuerySchema,
    DraftSchema,
    HistoryEntrySchema,
    HistoryQuerySchema,
    MigrationListSchema,
    MigrationRequestSchema,
    TransitionRequestSchema,
    TransitionResultSchema,
    ValidationResultSchema,
    VersionListSchema,
    VersionSchema,
    WorkflowCreateSchema,
    WorkflowListSchema,
    WorkflowSchema,
)
from ..services import transitions, workflow_versions
from ..workflows.definition import DefinitionSchema
from ._openapi import operation
from ._request import json_body
from ._routes import RouteTable
from .api_people import answer, body, query

_WORKFLOW_ERRORS = (401, 403, 404)
_BODY_ERRORS = (400, 401, 403, 404, 413, 415, 422)


@operation(tags=["workflows"], response=WorkflowListSchema, errors=(401, 403))
def list_workflows() -> Response:
    """List the templates and your programs' workflows, each with its newest version and
    open drafts."""
    return answer(WorkflowListSchema, {"items": workflow_versions.list_workflows(current_actor())})


@operation(
    tags=["workflows"],
    body=WorkflowCreateSchema,
    response=WorkflowSchema,
    status=201,
    errors=(400, 401, 403, 409, 413, 415, 422),
)
def create_workflow() -> Response:
    """Create a workflow of a program you manage: empty (its first draft takes a
    definition), or a copy of a ``template``'s newest version."""
    data = body(WorkflowCreateSchema)
    created = workflow_versions.create_workflow(
        current_actor(), data["key"], data["name"], data["program_id"], data.get("template")
    )
    return answer(WorkflowSchema, created, 201)


@operation(tags=["workflows"], response=WorkflowSchema, errors=_WORKFLOW_ERRORS)
def get_workflow(key: str) -> Response:
    """One workflow."""
    return answer(WorkflowSchema, workflow_versions.get_workflow(current_actor(), key))


@operation(
    tags=["workflows"],
    query=DraftQuerySchema,
    body=DefinitionSchema,
    response=DraftSchema,
    status=201,
    errors=_BODY_ERRORS,
)
def create_draft(key: str) -> Response:
    """Start a draft: a copy of the newest (or ``from_version``) version, or the definition
    sent as the body."""
    options = query(DraftQuerySchema)
    definition = json_body() if request.content_length or request.is_json else None
    draft = workflow_versions.create_draft(
        current_actor(), key, definition, options.get("from_version")
    )
    return answer(DraftSchema, draft, 201)


@operation(tags=["workflows"], response=DraftSchema, errors=_WORKFLOW_ERRORS)
def get_draft(key: str, draft_id: int) -> Response:
    """One draft."""
    return answer(DraftSchema, workflow_versions.get_draft(current_actor(), key, draft_id))


@operation(tags=["workflows"], body=DefinitionSchema, response=DraftSchema, errors=_BODY_ERRORS)
def update_draft(key: str, draft_id: int) -> Response:
    """Replace a draft's definition (the body); an invalid one is refused with every problem."""
    draft = workflow_versions.update_draft(current_actor(), key, draft_id, json_body())
    return answer(DraftSchema, draft)


@operation(tags=["workflows"], response=ValidationResultSchema, errors=_WORKFLOW_ERRORS)
def validate_draft(key: str, draft_id: int) -> Response:
    """Check a draft against the guards registered now."""
    problems = workflow_versions.validate_draft(current_actor(), key, draft_id)
    return answer(ValidationResultSchema, {"valid": not problems, "problems": problems})


@operation(
    tags=["workflows"],
    response=VersionSchema,
    status=201,
    errors=(401, 403, 404, 409, 422),
)
def publish_draft(key: str, draft_id: int) -> Response:
    """Publish a draft as the next immutable version."""
    version = workflow_versions.publish_draft(current_actor(), key, draft_id)
    return answer(VersionSchema, version, 201)


@operation(tags=["workflows"], response=VersionListSchema, errors=_WORKFLOW_ERRORS)
def list_versions(key: str) -> Response:
    """Every published version of a workflow, oldest first."""
    return answer(
        VersionListSchema, {"items": workflow_versions.list_versions(current_actor(), key)}
    )


@operation(tags=["workflows"], response=VersionSchema, errors=_WORKFLOW_ERRORS)
def get_version(key: str, version: int) -> Response:
    """One published version with its definition."""
    return answer(VersionSchema, workflow_versions.get_version(current_actor(), key, version))


@operation(
    tags=["workflows"],
    body=MigrationRequestSchema,
    response=MigrationListSchema,
    errors=_BODY_ERRORS,
)
def migrate_partnerships(key: str, version: int) -> Response:
    """Move partnerships to this version, mapping stages it does not have; ended ones are
    skipped, each with the reason."""
    data = body(MigrationRequestSchema)
    report = workflow_versions.migrate_partnerships(
        current_actor(), key, version, data["partnership_ids"], data["stage_mapping"]
    )
    return answer(MigrationListSchema, {"migrated": report.migrated, "skipped": report.skipped})


@operation(tags=["transitions"], response=AvailabilitySchema, errors=(401, 404))
def partnership_transitions(partnership_id: int) -> Response:
    """What you may do with a partnership now, and what blocks the other transitions."""
    return answer(AvailabilitySchema, transitions.available(current_actor(), partnership_id))


@operation(
    tags=["transitions"],
    body=TransitionRequestSchema,
    response=TransitionResultSchema,
    errors=(400, 401, 403, 404, 409, 413, 415, 422, 503),
)
def fire_transition(partnership_id: int) -> Response:
    """Move a partnership to another stage by firing a trigger (503 ``guard_not_registered``
    when the transition names a guard this server has not registered)."""
    data = body(TransitionRequestSchema)
    outcome = transitions.transition(
        current_actor(),
        partnership_id,
        data["trigger"],
        data.get("reason"),
        expected_stage=data.get("expected_stage"),
    )
    return answer(TransitionResultSchema, outcome)


@operation(
    tags=["transitions"],
    query=HistoryQuerySchema,
    response=page_of(HistoryEntrySchema),
    errors=(401, 404, 422),
)
def partnership_history(partnership_id: int) -> Response:
    """A partnership's stage changes, oldest first."""
    options = query(HistoryQuerySchema)
    rows, total = transitions.history(
        current_actor(), partnership_id, options["page"], options["page_size"]
    )
    page = {
        "items": rows,
        "page": options["page"],
        "page_size": options["page_size"],
        "total": total,
    }
    return answer(page_of(HistoryEntrySchema), page)


def register(routes: RouteTable) -> None:
    """Add the workflow and transition routes to the API."""
    routes.add_url_rule("/workflows", "list_workflows", list_workflows, methods=["GET"])
    routes.add_url_rule("/workflows", "create_workflow", create_workflow, methods=["POST"])
    routes.add_url_rule("/workflows/<key>", "get_workflow", get_workflow, methods=["GET"])
    routes.add_url_rule("/workflows/<key>/drafts", "create_draft", create_draft, methods=["POST"])
    draft = "/workflows/<key>/drafts/<int:draft_id>"
    routes.add_url_rule(draft, "get_draft", get_draft, methods=["GET"])
    routes.add_url_rule(draft, "update_draft", update_draft, methods=["PUT"])
    routes.add_url_rule(f"{draft}/validate", "validate_draft", validate_draft, methods=["POST"])
    routes.add_url_rule(f"{draft}/publish", "publish_draft", publish_draft, methods=["POST"])
    routes.add_url_rule(
        "/workflows/<key>/versions", "list_versions", list_versions, methods=["GET"]
    )
    version = "/workflows/<key>/versions/<int:version>"
    routes.add_url_rule(version, "get_version", get_version, methods=["GET"])
    routes.add_url_rule(
        f"{version}/migrations", "migrate_partnerships", migrate_partnerships, methods=["POST"]
    )
    partnership = "/partnerships/<int:partnership_id>"
    routes.add_url_rule(
        f"{partnership}/transitions",
        "partnership_transitions",
        partnership_transitions,
        methods=["GET"],
    )
    routes.add_url_rule(
        f"{partnership}/transitions", "fire_transition", fire_transition, methods=["POST"]
    )
    routes.add_url_rule(
        f"{partnership}/history", "partnership_history", partnership_history, methods=["GET"]
    )
