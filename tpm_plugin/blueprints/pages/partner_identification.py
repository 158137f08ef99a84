"""A partnership's identification, as its partner works on it: the entries so far (the
client's own voice, observations, others' reports), a form to add one, and what still
blocks planning (the sentences of the workflow's guards, as ``GET
/partnerships/<id>/transitions`` gives them).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request
from werkzeug.wrappers import Response

from ...errors import TPMError
from ...schemas.common import MAX_INT
from ...schemas.records import IdentificationEntryCreateSchema, IdentificationListQuerySchema
from ...services import identification, partner_day, transitions
from .._routes import RouteTable
from ._render import page_actor, page_url
from .partner_forms import FIRST_VIEW, FormErrors, form_values, load_form, service_errors
from .partner_labels import notice_text, render_partner

ENDPOINT = "partner_partnership"
PLANNING = "planning"
_FIELDS = ("kind", "domain", "statement", "breaks_where", "breaks_when", "how_it_broke", "source")
_CREATE = IdentificationEntryCreateSchema()
_LIST = IdentificationListQuerySchema()


def partnership_page(partnership_id: int) -> tuple[str, int]:
    """``GET /partner/partnerships/<id>``: identification entries, what blocks planning,
    and the form to add an entry."""
    return _render(partnership_id, {}, FIRST_VIEW)


def add_entry(partnership_id: int) -> Response | tuple[str, int]:
    """``POST /partner/partnerships/<id>``: add an identification entry; back to the page
    with a notice, or the form again with each field's message."""
    posted = form_values(_FIELDS)
    try:
        identification.add_entry(page_actor(), partnership_id, load_form(_CREATE, posted))
    except FormErrors as errors:
        return _render(partnership_id, posted, errors)
    except TPMError as error:
        return _render(partnership_id, posted, service_errors(error))
    url = page_url(ENDPOINT, partnership_id=partnership_id, notice="entry_added")
    return redirect(url, code=303)


def current_entries(partnership_id: int) -> list[Any]:
    """The partnership's current identification entries (each read audited by the service)."""
    query = _LIST.load({"page_size": current_app.config["TPM_MAX_PAGE_SIZE"]})
    return identification.list_entries(page_actor(), partnership_id, query).items


def planning_blocks(availability: transitions.Availability) -> list[dict[str, str]]:
    """Why the partnership cannot move on to planning now: the reasons of each blocked
    transition into planning (none when one is open, or when it is past identification)."""
    if any(option.dest == PLANNING for option in availability.available):
        return []
    into_planning = [option for option in availability.blocked if option.dest == PLANNING]
    return [reason for option in into_planning for reason in option.reasons]


def _render(partnership_id: int, values: dict[str, str], errors: FormErrors) -> tuple[str, int]:
    actor = page_actor()
    card = partner_day.partnership_card(actor, partnership_id)
    availability = transitions.available(actor, partnership_id)
    return render_partner(
        "partnership.html",
        form=errors,
        card=card,
        entries=current_entries(partnership_id),
        blocks=planning_blocks(availability),
        planning_open=any(o.dest == PLANNING for o in availability.available),
        values=values,
        notice=notice_text(request.args.get("notice")),
    )


def register(routes: RouteTable) -> None:
    """Add the partnership's identification page to ``routes``."""
    rule = f"/partner/partnerships/<int(max={MAX_INT}):partnership_id>"
    routes.add_url_rule(rule, ENDPOINT, partnership_page, methods=["GET"])
    routes.add_url_rule(rule, "partner_add_entry", add_entry, methods=["POST"])
