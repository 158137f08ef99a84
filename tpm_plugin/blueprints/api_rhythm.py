"""``/partnerships/<id>/preferred-times`` and ``/supervisors/<id>/misses``: the rhythm."""

from __future__ import annotations

from flask import Response
from marshmallow import fields

from ..access import current_actor
from ..schemas.common import PageQuerySchema
from ..schemas.rhythm import (
    MissedWeekPageSchema,
    MissedWeekSchema,
    PreferredTimesSchema,
    PreferredTimesUpdateSchema,
)
from ..services import rhythm
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, answer_page, body, query


class MissesQuerySchema(PageQuerySchema):
    """``GET /supervisors/<id>/misses``: pages, and ``since`` (weeks from that date on)."""

    since = fields.Date(load_default=None)


@operation(tags=["rhythm"], response=PreferredTimesSchema, errors=(401, 404))
def get_preferred_times(partnership_id: int) -> Response:
    """A partnership's preferred weekly meeting times, in its program's timezone."""
    result = rhythm.get_preferred_times(current_actor(), partnership_id)
    return answer(PreferredTimesSchema, result)


@operation(
    tags=["rhythm"],
    body=PreferredTimesUpdateSchema,
    response=PreferredTimesSchema,
    errors=(400, 401, 404, 413, 415, 422),
)
def set_preferred_times(partnership_id: int) -> Response:
    """Replace a partnership's preferred weekly meeting times (partner, supervisor, manager).

    The coming week's meetings are planned from the first N of them each week (N: the
    stage's or program's meetings a week), on the program's wall clock.
    """
    data = body(PreferredTimesUpdateSchema)
    result = rhythm.set_preferred_times(current_actor(), partnership_id, data["times"])
    return answer(PreferredTimesSchema, result)


@operation(
    tags=["rhythm"], query=MissesQuerySchema, response=MissedWeekPageSchema, errors=(401, 404, 422)
)
def list_misses(supervisor_id: int) -> Response:
    """A supervisor's misses: weeks their partnerships ended below the meetings target.

    For the supervisor and the program managers of their program; newest week first.
    """
    page = rhythm.list_misses(current_actor(), supervisor_id, query(MissesQuerySchema))
    return answer_page(MissedWeekSchema, page)


def register(routes: RouteTable) -> None:
    """Add the rhythm routes to the API."""
    routes.add_url_rule(
        "/partnerships/<int:partnership_id>/preferred-times",
        "get_preferred_times",
        get_preferred_times,
        methods=["GET"],
    )
    routes.add_url_rule(
        "/partnerships/<int:partnership_id>/preferred-times",
        "set_preferred_times",
        set_preferred_times,
        methods=["PUT"],
    )
    routes.add_url_rule(
        "/supervisors/<int:supervisor_id>/misses", "list_misses", list_misses, methods=["GET"]
    )
