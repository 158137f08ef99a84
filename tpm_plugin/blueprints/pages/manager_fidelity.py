"""The fidelity dashboard of a program, one of its supervisors or one of its partners: the
fidelity chart (:mod:`..fidelity_chart`) with the same weeks in a table beside it for screen
readers, the figures the fidelity services give ``GET …/fidelity``; for the whole program,
also how its clients' connection changed across reviews, domain by domain."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request
from marshmallow import ValidationError, fields, validate, validates_schema

from ...access import PROGRAM_MANAGER
from ...i18n import gettext, lazy_gettext
from ...schemas.common import MAX_INT
from ...schemas.fidelity import FidelityQuerySchema
from ...services import change, fidelity, program_board
from .._routes import RouteTable
from ._render import page_actor, render_page
from .home import HOME_LINKS, HomeLink
from .manager_board import programs_to_choose, query_or_defaults
from .manager_timeline import code


class DashboardQuerySchema(FidelityQuerySchema):
    """The dashboard's query string: the window of :class:`FidelityQuerySchema` and, for a
    narrower scope, one ``supervisor_id`` or one ``partner_id`` of the program."""

    supervisor_id = fields.Integer(validate=validate.Range(1, MAX_INT))
    partner_id = fields.Integer(validate=validate.Range(1, MAX_INT))

    @validates_schema
    def _one_scope(self, data: dict[str, Any], **kwargs: Any) -> None:
        if "supervisor_id" in data and "partner_id" in data:
            raise ValidationError(
                gettext("Choose a supervisor or a partner, not both."), "partner_id"
            )


def dashboard_home() -> Any:
    """``GET /manager/fidelity``: the dashboard of the viewer's program (or a choice)."""
    return programs_to_choose("manager_fidelity")


def dashboard(program_id: int) -> tuple[str, int]:
    """``GET /manager/programs/<id>/fidelity``: the program's fidelity, or a supervisor's or
    a partner's of the program (``?supervisor_id=`` / ``?partner_id=``), over ``?weeks=``."""
    actor = page_actor()
    people = program_board.program_people(actor, program_id)
    query, errors = query_or_defaults(DashboardQuerySchema, request.args.to_dict(), {})
    query.pop("format")
    unknown = {
        "partner_id": (people.partners, gettext("No partner %(id)s in this program.")),
        "supervisor_id": (people.supervisors, gettext("No supervisor %(id)s in this program.")),
    }
    for name, (members, message) in unknown.items():
        if query.get(name) is not None and query[name] not in members:
            errors[name] = [message % {"id": query.pop(name)}]
    partner_id, supervisor_id = query.pop("partner_id", None), query.pop("supervisor_id", None)
    if partner_id is not None:
        result = fidelity.partner_fidelity(actor, partner_id, **query)
    elif supervisor_id is not None:
        result = fidelity.supervisor_fidelity(actor, supervisor_id, **query)
    else:
        result = fidelity.program_fidelity(actor, program_id, **query)
    shifts = change.program_change(actor, program_id).domains if result.scope == "program" else []
    return render_page(
        "tpm/pages/manager/fidelity.html",
        status=422 if errors else 200,
        people=people,
        program=people.program,
        fidelity=result,
        chart_url=_chart_url(result, query),
        shifts=shifts,
        chosen={"partner_id": partner_id, "supervisor_id": supervisor_id},
        weeks=query.get("weeks"),
        errors=errors,
        code=code,
    )


def _chart_url(result: fidelity.Fidelity, window: dict[str, Any]) -> str:
    """The API's drawing of the same weeks (``…/fidelity?format=svg``): an image, so its
    English labels are the API's and the page's own text stays in the viewer's language."""
    arguments = {"format": "svg", "weeks": window.get("weeks")}
    for name, key in (("start", "from"), ("end", "to")):
        if window.get(name) is not None:
            arguments[key] = window[name].isoformat()
    from ... import api_url  # the package imports its blueprints

    path = api_url(f"{result.scope}_fidelity", **{f"{result.scope}_id": result.scope_id})
    return f"{path}?{urlencode({k: v for k, v in arguments.items() if v is not None})}"


def register(routes: RouteTable) -> None:
    """Add the dashboard to ``routes``, and to the home page."""
    routes.add_url_rule(
        "/manager/fidelity", "manager_fidelity_home", dashboard_home, methods=["GET"]
    )
    routes.add_url_rule(
        f"/manager/programs/<int(max={MAX_INT}):program_id>/fidelity",
        "manager_fidelity",
        dashboard,
        methods=["GET"],
    )
    HOME_LINKS.append(
        HomeLink(PROGRAM_MANAGER, "manager_fidelity_home", lazy_gettext("Fidelity dashboard"))
    )
