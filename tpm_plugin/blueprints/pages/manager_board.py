"""A program manager's board: a program's partnerships by stage, and moving one on.

The board reads through :func:`tpm_plugin.services.program_board.board` (the partnerships
``GET /partnerships`` lists, with the counts of every stage); a move goes through the
workflow's transition service as ``POST /partnerships/<id>/transitions`` does, after a
page that asks for its reason and shows what blocks it. Filters are ids and flags in the
query string only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, redirect, request
from markupsafe import Markup, escape
from marshmallow import Schema, fields

from ...access import PROGRAM_MANAGER
from ...errors import Conflict, NotFound, ValidationFailed
from ...i18n import format_day, gettext, lazy_gettext
from ...i18n_workflow import workflow_label
from ...schemas.common import MAX_INT
from ...schemas.partnerships import PartnershipListQuerySchema
from ...schemas.people import ProgramListQuerySchema
from ...services import people, program_board, transitions
from .._request import load
from .._routes import RouteTable
from ._htmx import render_part, varies, wants_fragment
from ._render import page_actor, page_url, render_page
from .home import HOME_LINKS, HomeLink
from .supervisor_stages import blocked_reason


class BoardQuerySchema(PartnershipListQuerySchema):
    """The board's query string: ``GET /partnerships``'s filters, ``below_target`` for its
    ``overdue`` and ``on_hold``; ``moved`` names a partnership just moved (to say so)."""

    overdue = fields.Boolean(data_key="below_target")
    on_hold = fields.Boolean()
    moved = fields.Integer(load_default=None)


def query_or_defaults(
    schema: type[Schema], arguments: dict[str, Any], defaults: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``arguments`` loaded by ``schema``; when they fail, ``defaults`` loaded instead, with
    the messages of the failing fields (so a page shows them beside its filters)."""
    try:
        return load(schema(), {**defaults, **arguments}), {}
    except ValidationFailed as error:
        return load(schema(), defaults), error.fields or {}


#: An id no page is for, to be replaced in a URL built once (see :func:`url_of_id`).
_SENTINEL = "2147483646"


def url_of_id(endpoint: str, name: str) -> Callable[[int], Markup]:
    """A function of an id giving the URL of ``endpoint`` with ``name`` = that id, escaped
    for HTML: one :func:`page_url` (and one escaping) for a whole page of cards, instead of
    one per card."""
    pattern = str(escape(page_url(endpoint, **{name: int(_SENTINEL)})))
    return lambda value: Markup(pattern.replace(_SENTINEL, str(int(value)), 1))


def local_day(timezone: str) -> Callable[[dt.datetime], Markup]:
    """A function writing an instant's date on ``timezone``'s calendar in the viewer's
    locale, escaped for HTML, each date formatted once per page (a board shows a hundred
    of them)."""
    zone = ZoneInfo(timezone)

    @cache
    def written(day: dt.date) -> Markup:
        return escape(format_day(day, "short"))

    return lambda moment: written(moment.astimezone(zone).date())


def programs_to_choose(endpoint: str) -> Any:
    """``endpoint`` of the one program the viewer manages, or a page to choose among them
    (404 page when they manage none)."""
    actor = page_actor()
    managed = sorted(actor.managed_program_ids)
    if len(managed) == 1:
        return redirect(page_url(endpoint, program_id=managed[0]))
    if not managed:
        raise NotFound("You manage no program.")
    query = load(ProgramListQuerySchema(), {"page_size": current_app.config["TPM_MAX_PAGE_SIZE"]})
    programs = [p for p in people.list_programs(actor, query).items if p.id in managed]
    return render_page("tpm/pages/manager/programs.html", programs=programs, endpoint=endpoint)


def board_home() -> Any:
    """``GET /manager/board``: the board of the viewer's program (or a choice of them)."""
    return programs_to_choose("manager_board")


def board(program_id: int) -> tuple[str, int]:
    """``GET /manager/programs/<id>/board``: the program's partnerships by stage."""
    defaults = {"page_size": current_app.config["TPM_MAX_PAGE_SIZE"]}
    query, errors = query_or_defaults(BoardQuerySchema, request.args.to_dict(), defaults)
    moved = query.pop("moved")
    result = program_board.board(page_actor(), program_id, query)
    # The shipped workflow's stage names in the viewer's language (a program's own are data).
    result = replace(result, stages=[(key, workflow_label(label)) for key, label in result.stages])
    return render_page(
        "tpm/pages/manager/board.html",
        status=422 if errors else 200,
        board=result,
        filters=_filters_in_url(query),
        errors=errors,
        moved=moved,
        cards=cards_by_stage(result),
    )


@dataclass(frozen=True, slots=True)
class Card:
    """One partnership's card on the board, everything it shows worked out before the
    template runs (a board holds a hundred cards: one look-up each in Python, instead of a
    template call for each URL, name and date of each card).

    Attributes:
        id: the partnership's id.
        client_id: its client's id (named by number when the name is unknown).
        url: its page (escaped for HTML).
        move_url: its move page (each move's button adds ``?trigger=``; escaped).
        client, partner, supervisor: display names (``None``: unknown or not assigned),
            as written (the template escapes them).
        since: the day it entered its stage, on the program's calendar (escaped).
        held_from: the stage it was put on hold from (``None``: not on hold).
    """

    id: int
    client_id: int
    url: Markup
    move_url: Markup
    client: str | None
    partner: str | None
    supervisor: str | None
    since: Markup
    held_from: str | None


@dataclass(frozen=True, slots=True)
class CardRun:
    """Cards next to each other in a stage's column offering the same moves (all of them
    but for partnerships pinned to different workflow versions): their move buttons and
    drop targets are written once for the run, not once per card.

    Attributes:
        moves: the moves a manager may offer on each card of the run.
        cards: the run's cards, in the page's order.
    """

    moves: list[program_board.Move]
    cards: list[Card]


def cards_by_stage(result: program_board.Board) -> dict[str, list[CardRun]]:
    """The board's cards by stage, in the page's order, in runs of the same moves."""
    page_of, move_of = (
        url_of_id(endpoint, "partnership_id")
        for endpoint in ("manager_partnership", "manager_move")
    )
    day_of = local_day(result.people.program.timezone)
    partners, supervisors = result.people.partners, result.people.supervisors
    runs: dict[str, list[CardRun]] = {}
    for row in result.page.items:
        partnership_id = row["id"]
        card = Card(
            id=partnership_id,
            client_id=row["client_id"],
            url=page_of(partnership_id),
            move_url=move_of(partnership_id),
            client=result.clients.get(row["client_id"]),
            partner=partners.get(row["partner_id"]),
            supervisor=supervisors.get(row["supervisor_id"]),
            since=day_of(row["stage_entered_at"]),
            held_from=row["held_from_stage"],
        )
        moves = result.moves.get(partnership_id, [])
        column = runs.setdefault(row["stage"], [])
        if column and column[-1].moves == moves:
            column[-1].cards.append(card)
        else:
            column.append(CardRun(moves, [card]))
    return runs


def _filters_in_url(query: dict[str, Any]) -> dict[str, Any]:
    """The board's filters as its query string names them (``None``: not filtered)."""
    below = query.get("overdue")
    return {
        "stage": query.get("stage"),
        "partner_id": query.get("partner_id"),
        "supervisor_id": query.get("supervisor_id"),
        "below_target": None if below is None else str(below).lower(),
        "on_hold": "true" if query.get("on_hold") else None,
    }


def move(partnership_id: int) -> Any:
    """``GET|POST /manager/partnerships/<id>/move?trigger=…``: the reason prompt of a move,
    what blocks it, and (POST) the transition itself; back to the board when it is done.
    With htmx (the board's move buttons), only the prompt comes back, and after the move
    only that it moved."""
    actor = page_actor()
    trigger = request.values.get("trigger", "")
    availability = transitions.available(actor, partnership_id)
    option = next(
        (o for o in availability.available + availability.blocked if o.trigger == trigger), None
    )
    if option is None:
        raise Conflict(gettext("This move is not one this partnership can take from its stage."))
    errors: dict[str, list[str]] = {}
    status = 200
    moved = False
    if request.method == "POST":
        reason = request.form.get("reason", "")
        try:
            outcome = transitions.transition(
                actor,
                partnership_id,
                trigger,
                reason,
                expected_stage=request.form.get("stage") or availability.stage,
            )
        except ValidationFailed as error:
            errors, status = error.fields or {}, 422
        except Conflict as error:
            errors, status = {"_form": [error.message]}, 409
        else:
            program_id = outcome.partnership.program_id
            board_url = page_url("manager_board", program_id=program_id, moved=partnership_id)
            if not wants_fragment():
                return varies(redirect(board_url))
            moved = True
    overview = program_board.partnership_overview(actor, partnership_id)
    return render_part(
        "tpm/pages/manager/move.html",
        "tpm/pages/manager/move_prompt.html",
        status=status,
        moved=moved,
        overview=overview,
        option=option,
        availability=availability,
        errors=errors,
        reason=request.form.get("reason", ""),
        blocked_reason=blocked_reason,
    )


def register(routes: RouteTable) -> None:
    """Add the board and the move pages to ``routes``, and the board to the home page."""
    routes.add_url_rule("/manager/board", "manager_board_home", board_home, methods=["GET"])
    routes.add_url_rule(
        f"/manager/programs/<int(max={MAX_INT}):program_id>/board",
        "manager_board",
        board,
        methods=["GET"],
    )
    routes.add_url_rule(
        f"/manager/partnerships/<int(max={MAX_INT}):partnership_id>/move",
        "manager_move",
        move,
        methods=["GET", "POST"],
    )
    HOME_LINKS.append(
        HomeLink(PROGRAM_MANAGER, "manager_board_home", lazy_gettext("Partnership board"))
    )
