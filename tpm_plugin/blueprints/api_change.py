"""``GET /partnerships/<id>/change`` and ``GET /programs/<id>/change``: how connected clients
are in each domain, review after review (:mod:`tpm_plugin.services.change`)."""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.change import (
    CHANGE_FORMATS,
    ChangeQuerySchema,
    PartnershipChangeSchema,
    ProgramChangeSchema,
)
from ..schemas.common import MAX_INT
from ..services import change
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, query
from .change_chart import change_svg


@operation(
    tags=["reviews"],
    query=ChangeQuerySchema,
    response=PartnershipChangeSchema,
    alternatives=("image/svg+xml",),
    errors=(401, 404, 422),
)
def partnership_change(partnership_id: int) -> Response:
    """A partnership's ratings in each domain across its reviews; `format=svg` draws them."""
    answer_format = query(ChangeQuerySchema)["format"]
    result = change.partnership_change(current_actor(), partnership_id)
    if answer_format == "json":
        return answer(PartnershipChangeSchema, result)
    response = Response(change_svg(result), content_type=CHANGE_FORMATS[answer_format])
    # A picture of care records: keep it out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@operation(tags=["programs"], response=ProgramChangeSchema, errors=(401, 404))
def program_change(program_id: int) -> Response:
    """Per domain, the share of a program's partnerships whose rating rose, held or fell."""
    result = change.program_change(current_actor(), program_id)
    domains = [
        {
            "domain": shift.domain,
            "partnerships": shift.partnerships,
            "rose": shift.rose,
            "held": shift.held,
            "fell": shift.fell,
            **{f"share_{d}": shift.share(d) for d in (change.ROSE, change.HELD, change.FELL)},
        }
        for shift in result.domains
    ]
    return answer(ProgramChangeSchema, {"program_id": result.program_id, "domains": domains})


def register(routes: RouteTable) -> None:
    """Add the change routes to the API."""
    routes.add_url_rule(
        f"/partnerships/<int(max={MAX_INT}):partnership_id>/change",
        "partnership_change",
        partnership_change,
        methods=["GET"],
    )
    routes.add_url_rule(
        f"/programs/<int(max={MAX_INT}):program_id>/change",
        "program_change",
        program_change,
        methods=["GET"],
    )
