"""``/partnerships/<id>/cadence-overrides``: crisis cadence, raised for a number of weeks,
listed, and ended early. See :mod:`tpm_plugin.services.cadence_overrides`."""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.cadence import (
    CadenceOverrideCreateSchema,
    CadenceOverrideListQuerySchema,
    CadenceOverrideSchema,
)
from ..schemas.common import MAX_INT, page_of
from ..services import cadence_overrides
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, answer_page, body, query

TAGS = ["cadence"]


@operation(
    tags=TAGS,
    query=CadenceOverrideListQuerySchema,
    response=page_of(CadenceOverrideSchema),
    errors=(401, 403, 404, 422),
)
def list_cadence_overrides(partnership_id: int) -> Response:
    """List a partnership's crisis cadences, newest first."""
    page = cadence_overrides.list_cadence_overrides(
        current_actor(), partnership_id, query(CadenceOverrideListQuerySchema)
    )
    return answer_page(CadenceOverrideSchema, page)


@operation(
    tags=TAGS,
    body=CadenceOverrideCreateSchema,
    response=CadenceOverrideSchema,
    status=201,
    errors=(400, 401, 403, 404, 409, 415, 422),
)
def raise_cadence(partnership_id: int) -> Response:
    """Raise a partnership's cadence for some weeks, with a reason (its supervisor or its
    program's managers). What each week owes follows it in fidelity; it expires by itself."""
    data = body(CadenceOverrideCreateSchema)
    override = cadence_overrides.raise_cadence(current_actor(), partnership_id, data)
    return answer(CadenceOverrideSchema, override, 201)


@operation(tags=TAGS, response=CadenceOverrideSchema, errors=(400, 401, 403, 404, 409, 415, 422))
def end_cadence(partnership_id: int, override_id: int) -> Response:
    """End a crisis cadence early (its supervisor or its program's managers)."""
    override = cadence_overrides.end_cadence(current_actor(), partnership_id, override_id)
    return answer(CadenceOverrideSchema, override)


def register(routes: RouteTable) -> None:
    """Add the cadence override routes to the API."""
    base = f"/partnerships/<int(max={MAX_INT}):partnership_id>/cadence-overrides"
    routes.add_url_rule(base, "list_cadence_overrides", list_cadence_overrides, methods=["GET"])
    routes.add_url_rule(base, "raise_cadence", raise_cadence, methods=["POST"])
    routes.add_url_rule(
        f"{base}/<int(max={MAX_INT}):override_id>/end",
        "end_cadence",
        end_cadence,
        methods=["POST"],
    )
