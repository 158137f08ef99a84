"""``GET /workflows/<key>/versions/<n>/diagram``: a published workflow version drawn as SVG
or Mermaid text, with a partnership's current stage highlighted on request."""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.diagram import DIAGRAM_FORMATS, DiagramQuerySchema
from ..services.diagrams import workflow_diagram
from ._openapi import operation
from ._routes import RouteTable
from .api_people import query


@operation(tags=["workflows"], query=DiagramQuerySchema, errors=(401, 403, 404, 422))
def version_diagram(key: str, version: int) -> Response:
    """A workflow version as a diagram (SVG or Mermaid), optionally highlighting the current
    stage of ``partnership``."""
    options = query(DiagramQuerySchema)
    drawing = workflow_diagram(
        current_actor(), key, version, options["format"], options["partnership"]
    )
    response = Response(drawing, content_type=DIAGRAM_FORMATS[options["format"]])
    if options["partnership"] is not None:
        # The highlighted stage is part of a care record: keep it out of shared caches.
        response.headers["Cache-Control"] = "private, no-store"
    return response


def register(routes: RouteTable) -> None:
    """Add the diagram route to the API."""
    routes.add_url_rule(
        "/workflows/<key>/versions/<int:version>/diagram",
        "version_diagram",
        version_diagram,
        methods=["GET"],
    )
