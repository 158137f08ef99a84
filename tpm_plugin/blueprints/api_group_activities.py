"""``POST /group-activities``: an afterschool partner logs one group activity for several of
their partnerships (:mod:`tpm_plugin.services.group_activities`)."""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.records import GroupActivityCreateSchema, GroupActivitySchema
from ..services import group_activities
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, body


@operation(
    tags=["meetings"],
    body=GroupActivityCreateSchema,
    response=GroupActivitySchema,
    status=201,
    errors=(400, 401, 403, 404, 409, 415, 422),
)
def log_group_activity() -> Response:
    """Log one group activity of an afterschool program as a held meeting per partnership."""
    logged = group_activities.log_group_activity(current_actor(), body(GroupActivityCreateSchema))
    return answer(GroupActivitySchema, logged, 201)


@operation(tags=["meetings"], response=GroupActivitySchema, errors=(401, 404))
def get_group_activity(group_id: str) -> Response:
    """A logged group activity: its meetings in the partnerships the caller can reach."""
    return answer(
        GroupActivitySchema, group_activities.get_group_activity(current_actor(), group_id)
    )


def register(routes: RouteTable) -> None:
    """Add the group-activity route to the API."""
    routes.add_url_rule(
        "/group-activities", "log_group_activity", log_group_activity, methods=["POST"]
    )
    routes.add_url_rule(
        "/group-activities/<group_id>",
        "get_group_activity",
        get_group_activity,
        methods=["GET"],
    )
