"""The partner's calendar link: an iCalendar feed of their meetings (and supervision) at a
secret address, for the calendar app on their phone.

Making a link (or a new one: the old one stops working) and turning it off are POST forms
calling the same service as ``POST``/``DELETE /partners/<id>/calendar-feed``. The address
is shown once, on the page that answers the POST (only its hash is stored), and carries
nothing but the secret token.
"""

from __future__ import annotations

from urllib.parse import urljoin

from flask import redirect, request
from werkzeug.wrappers import Response

from ...access import PARTNER
from ...errors import NotFound
from ...i18n import gettext
from ...services import calendar_feeds
from .._routes import RouteTable
from ._render import page_actor, page_url
from .partner_labels import notice_text, render_partner

ENDPOINT = "partner_calendar"


def calendar_page() -> tuple[str, int]:
    """``GET /partner/calendar``: what the link is, and the buttons to make or end it."""
    _partner_id()
    return _render(notice=notice_text(request.args.get("notice")))


def make_link() -> tuple[str, int, dict[str, str]]:
    """``POST /partner/calendar/link``: a new link (any previous one stops working), shown
    once on the page this answers with (not after a redirect: the token would have to wait
    in the session cookie, which is signed, not secret), which no cache keeps."""
    from ... import api_url  # the package imports the pages: import when called

    token = calendar_feeds.rotate_feed(page_actor(), PARTNER, _partner_id())
    body, status = _render(
        feed_url=urljoin(request.host_url, api_url("calendar_feed", token=token))
    )
    return body, status, {"Cache-Control": "no-store"}


def turn_off_link() -> Response | tuple[str, int]:
    """``POST /partner/calendar/off``: the link stops working; back with a notice."""
    try:
        calendar_feeds.revoke_feed(page_actor(), PARTNER, _partner_id())
    except NotFound:
        return _render(message=gettext("You have no calendar link to turn off."), status=404)
    return redirect(page_url(ENDPOINT, notice="feed_revoked"), code=303)


def _partner_id() -> int:
    """The viewer's own partner id (the service checks it is theirs).

    Raises:
        NotFound: the viewer is no partner.
    """
    partner_id = page_actor().partner_id
    if partner_id is None:
        raise NotFound(gettext("Only a partner has a partner's calendar link."))
    return partner_id


def _render(status: int = 200, **context: object) -> tuple[str, int]:
    return render_partner("calendar.html", status=status, **context)


def register(routes: RouteTable) -> None:
    """Add the calendar link's page and forms to ``routes``."""
    routes.add_url_rule("/partner/calendar", ENDPOINT, calendar_page, methods=["GET"])
    routes.add_url_rule("/partner/calendar/link", "partner_make_feed", make_link, methods=["POST"])
    routes.add_url_rule(
        "/partner/calendar/off", "partner_revoke_feed", turn_off_link, methods=["POST"]
    )
