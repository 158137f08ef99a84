"""The query string of ``GET /workflows/<key>/versions/<n>/diagram``."""

from __future__ import annotations

from marshmallow import fields, validate

from .common import MAX_INT, StrictSchema, one_of

#: The diagram formats the API serves, and the content type of each.
DIAGRAM_FORMATS = {"svg": "image/svg+xml", "mermaid": "text/plain; charset=utf-8"}


class DiagramQuerySchema(StrictSchema):
    """``?format=svg|mermaid&partnership=<id>``: the format (SVG when absent) and, optionally,
    the partnership whose current stage to highlight."""

    format = one_of(tuple(DIAGRAM_FORMATS), load_default="svg")
    # A query string carries text, so "12" is read as the id 12.
    partnership = fields.Integer(load_default=None, validate=validate.Range(1, MAX_INT))
