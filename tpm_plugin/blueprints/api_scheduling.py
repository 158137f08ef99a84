"""``/supervisors/<id>/availability``, ``/supervisors/<id>/absences`` and
``/partners/<id>/blocked-times``: when supervision can happen."""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.scheduling import (
    AbsenceCreateSchema,
    AbsenceListSchema,
    AbsenceSchema,
    AvailabilitySchema,
    BlockedTimesSchema,
    SupervisorWeekSchema,
    WeekQuerySchema,
    WindowsUpdateSchema,
)
from ..services import scheduling
from ..services.supervision_placement.week_view import get_supervisor_week
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, body, query


@operation(tags=["scheduling"], response=AvailabilitySchema, errors=(401, 404))
def get_availability(supervisor_id: int) -> Response:
    """A supervisor's weekly availability windows, in their program's timezone."""
    return answer(AvailabilitySchema, scheduling.get_availability(current_actor(), supervisor_id))


@operation(
    tags=["scheduling"],
    body=WindowsUpdateSchema,
    response=AvailabilitySchema,
    errors=(400, 401, 404, 413, 415, 422),
)
def set_availability(supervisor_id: int) -> Response:
    """Replace a supervisor's weekly availability (the supervisor or a program manager)."""
    windows = body(WindowsUpdateSchema)["windows"]
    result = scheduling.set_availability(current_actor(), supervisor_id, windows)
    return answer(AvailabilitySchema, result)


@operation(tags=["scheduling"], response=AbsenceListSchema, errors=(401, 404))
def list_absences(supervisor_id: int) -> Response:
    """A supervisor's absences with their cover, earliest first."""
    rows = scheduling.list_absences(current_actor(), supervisor_id)
    return answer(AbsenceListSchema, {"items": rows})


@operation(
    tags=["scheduling"],
    body=AbsenceCreateSchema,
    response=AbsenceSchema,
    errors=(400, 401, 404, 413, 415, 422),
)
def add_absence(supervisor_id: int) -> Response:
    """Record days a supervisor is away, optionally naming a cover supervisor.

    During the absence the supervisor's blocks move to the cover, who may read exactly
    those partnerships for exactly those days.
    """
    data = body(AbsenceCreateSchema)
    row = scheduling.add_absence(current_actor(), supervisor_id, data)
    return answer(AbsenceSchema, row, status=201)


@operation(tags=["scheduling"], errors=(401, 404))
def remove_absence(supervisor_id: int, absence_id: int) -> Response:
    """Remove an absence; its cover ends with it."""
    scheduling.remove_absence(current_actor(), supervisor_id, absence_id)
    return Response(status=204)


@operation(tags=["scheduling"], response=BlockedTimesSchema, errors=(401, 404))
def get_blocked_times(partner_id: int) -> Response:
    """The weekly times a partner cannot attend supervision, in their program's timezone."""
    return answer(BlockedTimesSchema, scheduling.get_blocked_times(current_actor(), partner_id))


@operation(
    tags=["scheduling"],
    body=WindowsUpdateSchema,
    response=BlockedTimesSchema,
    errors=(400, 401, 404, 413, 415, 422),
)
def set_blocked_times(partner_id: int) -> Response:
    """Replace the weekly times a partner cannot attend (the partner or a program manager)."""
    windows = body(WindowsUpdateSchema)["windows"]
    result = scheduling.set_blocked_times(current_actor(), partner_id, windows)
    return answer(BlockedTimesSchema, result)


@operation(
    tags=["scheduling"],
    query=WeekQuerySchema,
    response=SupervisorWeekSchema,
    errors=(401, 404, 422),
)
def get_week(supervisor_id: int) -> Response:
    """A supervisor's week of supervision: blocks with their agendas (ids and numbers), and
    the work that found no place, with its reason."""
    day = query(WeekQuerySchema)["date"]
    return answer(SupervisorWeekSchema, get_supervisor_week(current_actor(), supervisor_id, day))


def register(routes: RouteTable) -> None:
    """Add the scheduling routes to the API."""
    availability = "/supervisors/<int:supervisor_id>/availability"
    routes.add_url_rule(availability, "get_availability", get_availability, methods=["GET"])
    routes.add_url_rule(availability, "set_availability", set_availability, methods=["PUT"])
    absences = "/supervisors/<int:supervisor_id>/absences"
    routes.add_url_rule(absences, "list_absences", list_absences, methods=["GET"])
    routes.add_url_rule(absences, "add_absence", add_absence, methods=["POST"])
    routes.add_url_rule(
        absences + "/<int:absence_id>", "remove_absence", remove_absence, methods=["DELETE"]
    )
    routes.add_url_rule(
        "/supervisors/<int:supervisor_id>/week", "get_supervisor_week", get_week, methods=["GET"]
    )
    blocked = "/partners/<int:partner_id>/blocked-times"
    routes.add_url_rule(blocked, "get_blocked_times", get_blocked_times, methods=["GET"])
    routes.add_url_rule(blocked, "set_blocked_times", set_blocked_times, methods=["PUT"])
