"""A partnership's page: its people and stage, its whole timeline page by page (as ``GET
/partnerships/<id>/timeline`` answers it), its plan versions side by side, and its change
across reviews (the change chart with its figures in a table beside it), all read in one
service call (:func:`tpm_plugin.services.partnership_page.partnership_page`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from flask import request
from flask_babel import get_locale

from ...i18n import lazy_gettext
from ...models.care import DOMAINS
from ...schemas.common import MAX_INT
from ...schemas.records import PlanListQuerySchema
from ...schemas.timeline import TimelineQuerySchema
from ...services import partnership_page as partnership_reads
from .._request import load
from .._routes import RouteTable
from ._render import page_actor, render_page
from .manager_board import query_or_defaults

#: Timeline entries per page (the API's largest page).
PAGE_SIZE = 100
#: Plan versions shown side by side, newest first.
PLAN_VERSIONS = 3

#: What the stored codes of the care record read as on a page.
CODE_LABELS = {
    "held": lazy_gettext("held"),
    "scheduled": lazy_gettext("scheduled"),
    "cancelled": lazy_gettext("cancelled"),
    "no_show": lazy_gettext("no-show"),
    "client_voice": lazy_gettext("the client's voice"),
    "observation": lazy_gettext("observation"),
    "others_report": lazy_gettext("what others report"),
    "self": lazy_gettext("self"),
    "others": lazy_gettext("others"),
    "school": lazy_gettext("school"),
    "work": lazy_gettext("work"),
    "play": lazy_gettext("play"),
    "continue": lazy_gettext("carry on as planned"),
    "replan": lazy_gettext("plan again"),
    "close": lazy_gettext("close the partnership"),
    "client": lazy_gettext("the client"),
    "partner": lazy_gettext("the partner"),
    "center": lazy_gettext("the center"),
    "supervisor": lazy_gettext("the supervisor"),
    "program_manager": lazy_gettext("a program manager"),
}

#: Headings of the timeline's kinds.
KIND_LABELS = {
    "transition": lazy_gettext("Stage change"),
    "migration": lazy_gettext("Workflow version migration"),
    "identification": lazy_gettext("Identification entry"),
    "plan": lazy_gettext("Plan version"),
    "meeting": lazy_gettext("Meeting"),
    "supervision": lazy_gettext("Supervision"),
    "review": lazy_gettext("Review meeting"),
    "cadence_override": lazy_gettext("Crisis cadence"),
}


def code(value: Any) -> Any:
    """A stored code as people read it (the code itself when it has no label)."""
    return CODE_LABELS.get(value, value) if isinstance(value, str) else value


def codes_said_once() -> Callable[[Any], Any]:
    """:func:`code` with every label translated once for the viewer's language, not once
    per entry (a lazy label looks its catalog up each time it is shown)."""
    said = _said_in(_viewer_locale())[0]
    return lambda value: said.get(value, value) if isinstance(value, str) else value


def kinds_said_once() -> dict[str, str]:
    """The headings of the timeline's kinds in the viewer's language."""
    return _said_in(_viewer_locale())[1]


def _viewer_locale() -> str:
    return str(get_locale() or "en")


@lru_cache(maxsize=8)
def _said_in(locale: str) -> tuple[dict[str, str], dict[str, str]]:
    # The catalogs do not change while the process runs: the labels of a language are
    # translated the first time a page is shown in it (inside a request in that locale),
    # instead of some thirty catalog look-ups on every page.
    codes = {key: str(label) for key, label in CODE_LABELS.items()}
    return codes, {key: str(label) for key, label in KIND_LABELS.items()}


def partnership_page(partnership_id: int) -> tuple[str, int]:
    """``GET /manager/partnerships/<id>?page=N&kind=K``: the partnership's page."""
    actor = page_actor()
    defaults = {"page_size": PAGE_SIZE}
    query, errors = query_or_defaults(TimelineQuerySchema, request.args.to_dict(), defaults)
    plan_query = load(PlanListQuerySchema(), {"page_size": PLAN_VERSIONS})
    read = partnership_reads.partnership_page(actor, partnership_id, query, plan_query)
    from ... import api_url  # the package imports its blueprints

    return render_page(
        "tpm/pages/manager/partnership.html",
        status=422 if errors else 200,
        overview=read.overview,
        timeline=read.timeline,
        kind=query.get("kind"),
        kinds=kinds_said_once(),
        errors=errors,
        versions=list(reversed(read.plans.items)),
        domains=DOMAINS,
        ratings=read.change,
        change_chart_url=api_url("partnership_change", partnership_id=partnership_id)
        + "?format=svg",
        code=codes_said_once(),
    )


def register(routes: RouteTable) -> None:
    """Add the partnership page to ``routes``."""
    routes.add_url_rule(
        f"/manager/partnerships/<int(max={MAX_INT}):partnership_id>",
        "manager_partnership",
        partnership_page,
        methods=["GET"],
    )
