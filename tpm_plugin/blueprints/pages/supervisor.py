"""A supervisor's pages: their week and their misses (this module), logging supervision
(:mod:`.supervisor_sessions`), writing reviews (:mod:`.supervisor_reviews`) and moving
partnerships between stages (:mod:`.supervisor_stages`, which program managers use too).

The week and the misses read exactly what ``GET /supervisors/<id>/week``,
``GET /supervisors/<id>/misses`` and the fidelity of each partnership answer, through the
same services (the week's parts in one transaction, see
:mod:`~tpm_plugin.services.supervisor_week_page`), so a program manager may look at any
supervisor of their program (``?supervisor_id=``) and nobody else's week can be seen.
"""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_decimal
from flask import current_app, request
from flask_babel import get_locale

from ...access import SUPERVISOR
from ...i18n import lazy_gettext
from ...schemas.partnerships import PartnershipListQuerySchema
from ...schemas.scheduling import WeekQuerySchema
from ...services import rhythm
from ...services.display_names import display_names
from ...services.supervisor_week_page import supervisor_week_page
from .._request import load
from .._routes import RouteTable
from ..api_rhythm import MissesQuerySchema
from . import supervisor_reviews, supervisor_sessions, supervisor_stages
from ._render import page_actor, render_page
from .home import HOME_LINKS, HomeLink
from .supervisor_forms import chosen_supervisor, query_id, unplaced_reason


def my_week():
    """``GET /supervisor/week``: the week's supervision blocks with their agendas, the work
    that found no place and why, and every partnership supervised with last week's meetings
    against the target. ``?date=`` picks another week, ``?supervisor_id=`` another
    supervisor (for program managers)."""
    actor = page_actor()
    supervisor_id = chosen_supervisor(actor)
    day = load(WeekQuerySchema(), _args("date"))["date"]
    listing = load(
        PartnershipListQuerySchema(),
        {"supervisor_id": supervisor_id, "page_size": current_app.config["TPM_MAX_PAGE_SIZE"]},
    )
    page = supervisor_week_page(actor, supervisor_id, day, listing)
    week = page.week
    return render_page(
        "tpm/pages/supervisor/week.html",
        week=week,
        supervisor_id=supervisor_id,
        supervised=page.supervised,
        last_week=page.last_week,
        names=page.names,
        unplaced_reason=unplaced_reason,
        format_number=format_number,
        previous_week=week.week_starts_on - dt.timedelta(days=7),
        next_week=week.week_starts_on + dt.timedelta(days=7),
        asked_supervisor=_asked_supervisor(),
    )


def misses():
    """``GET /supervisor/misses``: the weeks the supervised partnerships ended below the
    meetings target, newest first, a page at a time (``?page=``)."""
    actor = page_actor()
    supervisor_id = chosen_supervisor(actor)
    page = rhythm.list_misses(actor, supervisor_id, load(MissesQuerySchema(), _args("page")))
    names = display_names(actor, partnership_ids=[row.partnership_id for row in page.items])
    return render_page(
        "tpm/pages/supervisor/misses.html",
        page=page,
        format_number=format_number,
        names=names,
        supervisor_id=supervisor_id,
        asked_supervisor=_asked_supervisor(),
    )


def format_number(value: float) -> str:
    """A count or target (``2.5`` meetings) as the viewer's locale writes it."""
    return format_decimal(value, locale=get_locale())


def _args(*names: str) -> dict[str, str]:
    return {name: request.args[name] for name in names if request.args.get(name)}


def _asked_supervisor() -> int | None:
    return query_id("supervisor_id")


def register(routes: RouteTable) -> None:
    """Add the supervisor's pages to ``routes``, and their links to the home page."""
    routes.add_url_rule("/supervisor/week", "supervisor_week", my_week, methods=["GET"])
    routes.add_url_rule("/supervisor/misses", "supervisor_misses", misses, methods=["GET"])
    supervisor_sessions.register(routes)
    supervisor_reviews.register(routes)
    supervisor_stages.register(routes)
    for link in (
        HomeLink(SUPERVISOR, "supervisor_week", lazy_gettext("My week of supervision")),
        HomeLink(SUPERVISOR, "supervisor_misses", lazy_gettext("Weeks below target")),
    ):
        if all(known.endpoint != link.endpoint for known in HOME_LINKS):
            HOME_LINKS.append(link)
