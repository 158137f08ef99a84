"""A partner's pages, phone first: their partnerships, meetings, identification and plans.

This module is the partner's main page ("My partnerships") and registers the others:
:mod:`.partner_meetings` (log a meeting), :mod:`.partner_identification` (identification
entries and what still blocks planning), :mod:`.partner_plan` (the plan across the five
domains) and :mod:`.partner_calendar` (the calendar feed link).
"""

from __future__ import annotations

from flask import request

from ...access import PARTNER
from ...i18n import lazy_gettext
from ...services import partner_day
from .._routes import RouteTable
from . import partner_calendar, partner_identification, partner_meetings, partner_plan
from ._render import page_actor
from .home import HOME_LINKS, HomeLink
from .partner_labels import HOME_ENDPOINT, notice_text, render_partner


def my_partnerships() -> tuple[str, int]:
    """``GET /partner``: the partner's partnerships, today's and this week's meetings."""
    day = partner_day.partner_day(page_actor())
    return render_partner(
        "home.html",
        day=day,
        notice=notice_text(request.args.get("notice")),
    )


def register(routes: RouteTable) -> None:
    """Add the partner's pages to ``routes`` and link the main one from the home page."""
    routes.add_url_rule("/partner", HOME_ENDPOINT, my_partnerships, methods=["GET"])
    for module in (partner_meetings, partner_identification, partner_plan, partner_calendar):
        module.register(routes)
    HOME_LINKS.append(HomeLink(PARTNER, HOME_ENDPOINT, lazy_gettext("My partnerships")))
    HOME_LINKS.append(
        HomeLink(PARTNER, partner_calendar.ENDPOINT, lazy_gettext("My calendar link"))
    )
