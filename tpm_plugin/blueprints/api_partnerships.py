"""``/partnerships``: open, read, list and reassign partnerships.

Stage changes are the workflow's transitions (``/partnerships/<id>/transitions``), not here.
"""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.common import MAX_INT, page_of
from ..schemas.partnerships import (
    PartnershipCreateSchema,
    PartnershipListQuerySchema,
    PartnershipSchema,
    PartnershipUpdateSchema,
)
from ..services import partnerships
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, answer_page, body, query

TAGS = ["partnerships"]


@operation(
    tags=TAGS,
    query=PartnershipListQuerySchema,
    response=page_of(PartnershipSchema),
    errors=(401, 403, 422),
)
def list_partnerships() -> Response:
    """List the partnerships you may see, filtered, sorted and paginated."""
    page = partnerships.list_partnerships(current_actor(), query(PartnershipListQuerySchema))
    return answer_page(PartnershipSchema, page)


@operation(
    tags=TAGS,
    body=PartnershipCreateSchema,
    response=PartnershipSchema,
    status=201,
    errors=(400, 401, 403, 409, 415, 422),
)
def create_partnership() -> Response:
    """Open a partnership in a program you manage, at its workflow's start stage."""
    partnership = partnerships.create_partnership(current_actor(), body(PartnershipCreateSchema))
    return answer(PartnershipSchema, partnership, 201)


@operation(tags=TAGS, response=PartnershipSchema, errors=(401, 403, 404))
def get_partnership(partnership_id: int) -> Response:
    """Read one partnership you may see."""
    return answer(PartnershipSchema, partnerships.get_partnership(current_actor(), partnership_id))


@operation(
    tags=TAGS,
    body=PartnershipUpdateSchema,
    response=PartnershipSchema,
    errors=(400, 401, 403, 404, 409, 415, 422),
)
def update_partnership(partnership_id: int) -> Response:
    """Assign or reassign the partner or supervisor of a partnership in a program you manage."""
    changes = body(PartnershipUpdateSchema)
    partnership = partnerships.update_partnership(current_actor(), partnership_id, changes)
    return answer(PartnershipSchema, partnership)


def register(routes: RouteTable) -> None:
    """Add the partnership routes to the API."""
    routes.add_url_rule("/partnerships", "list_partnerships", list_partnerships, methods=["GET"])
    routes.add_url_rule("/partnerships", "create_partnership", create_partnership, methods=["POST"])
    routes.add_url_rule(
        f"/partnerships/<int(max={MAX_INT}):partnership_id>",
        "get_partnership",
        get_partnership,
        methods=["GET"],
    )
    routes.add_url_rule(
        f"/partnerships/<int(max={MAX_INT}):partnership_id>",
        "update_partnership",
        update_partnership,
        methods=["PATCH"],
    )
