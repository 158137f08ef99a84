"""Calendar feeds: ``POST``/``DELETE /partners/<id>/calendar-feed`` and
``/supervisors/<id>/calendar-feed`` (the owner rotates and revokes), and the secret feed
address ``GET /calendar/<token>.ics`` (no login: the token is the key)."""

from __future__ import annotations

from flask import Response
from marshmallow import fields

from ..access import current_actor
from ..schemas.common import StrictSchema
from ..services import calendar_feeds
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer


class CalendarFeedSchema(StrictSchema):
    """A new feed address, shown once: keep it secret, rotate it if it leaks."""

    url = fields.String()
    token = fields.String()


def _rotate(role: str, owner_id: int) -> Response:
    token = calendar_feeds.rotate_feed(current_actor(), role, owner_id)
    from .. import api_url  # the package imports this module: import when called

    url = api_url("calendar_feed", token=token)
    return answer(CalendarFeedSchema, {"url": url, "token": token}, status=201)


@operation(tags=["calendar"], response=CalendarFeedSchema, errors=(401, 404))
def rotate_partner_feed(partner_id: int) -> Response:
    """Make (or rotate) the partner's calendar feed; the old address stops answering."""
    return _rotate("partner", partner_id)


@operation(tags=["calendar"], response=CalendarFeedSchema, errors=(401, 404))
def rotate_supervisor_feed(supervisor_id: int) -> Response:
    """Make (or rotate) the supervisor's calendar feed; the old address stops answering."""
    return _rotate("supervisor", supervisor_id)


@operation(tags=["calendar"], errors=(401, 404))
def revoke_partner_feed(partner_id: int) -> Response:
    """Revoke the partner's calendar feed."""
    calendar_feeds.revoke_feed(current_actor(), "partner", partner_id)
    return Response(status=204)


@operation(tags=["calendar"], errors=(401, 404))
def revoke_supervisor_feed(supervisor_id: int) -> Response:
    """Revoke the supervisor's calendar feed."""
    calendar_feeds.revoke_feed(current_actor(), "supervisor", supervisor_id)
    return Response(status=204)


@operation(tags=["calendar"], errors=(404,))
def calendar_feed(token: str) -> Response:
    """An iCalendar feed of meetings and supervision blocks (no care details)."""
    return Response(calendar_feeds.render_feed(token), mimetype="text/calendar")


def register(routes: RouteTable) -> None:
    """Add the calendar routes to the API."""
    for role, rotate, revoke in (
        ("partners/<int:partner_id>", rotate_partner_feed, revoke_partner_feed),
        ("supervisors/<int:supervisor_id>", rotate_supervisor_feed, revoke_supervisor_feed),
    ):
        rule = f"/{role}/calendar-feed"
        routes.add_url_rule(rule, rotate.__name__, rotate, methods=["POST"])
        routes.add_url_rule(rule, revoke.__name__, revoke, methods=["DELETE"])
    routes.add_url_rule("/calendar/<token>.ics", "calendar_feed", calendar_feed, methods=["GET"])
