"""``/partnerships/<id>/timeline``: everything that happened in a partnership, newest first."""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.common import MAX_INT, page_of
from ..schemas.timeline import TimelineItemSchema, TimelineQuerySchema
from ..services import timeline as timeline_service
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer_page, query


@operation(
    tags=["partnerships"],
    query=TimelineQuerySchema,
    response=page_of(TimelineItemSchema),
    errors=(401, 404, 422),
)
def partnership_timeline(partnership_id: int) -> Response:
    """Everything that happened in a partnership, newest first, optionally of one kind."""
    page = timeline_service.timeline(current_actor(), partnership_id, query(TimelineQuerySchema))
    return answer_page(TimelineItemSchema, page)


def register(routes: RouteTable) -> None:
    """Add the timeline route to the API."""
    routes.add_url_rule(
        f"/partnerships/<int(max={MAX_INT}):partnership_id>/timeline",
        "partnership_timeline",
        partnership_timeline,
        methods=["GET"],
    )
