"""``GET …/fidelity`` of a partnership, a partner, a supervisor and a program.

Each answers the weeks asked for (``?weeks=N`` or ``?from=…&to=…``) with meetings held
against the target and supervision minutes delivered against the minutes owed; see
:mod:`tpm_plugin.services.fidelity`. ``?format=svg`` draws the same answer as a chart
(:mod:`.fidelity_chart`), in the viewer's language as the pages choose it (the chart a page
shows is this one); the access checks and the audit row are the same either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response

from ..access import Actor, current_actor
from ..i18n import remember_viewer_language
from ..schemas.fidelity import FIDELITY_FORMATS, FidelityQuerySchema, FidelitySchema
from ..services import fidelity
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, query
from .fidelity_chart import fidelity_svg

_Measure = Callable[..., fidelity.Fidelity]

#: URL segment, the view's parameter name, the service, and who may ask.
_SCOPES: tuple[tuple[str, str, _Measure, str], ...] = (
    (
        "partnerships",
        "partnership_id",
        fidelity.partnership_fidelity,
        "its program managers, its supervisor and its partner",
    ),
    (
        "partners",
        "partner_id",
        fidelity.partner_fidelity,
        "the partner, the program managers of their program and their supervisors",
    ),
    (
        "supervisors",
        "supervisor_id",
        fidelity.supervisor_fidelity,
        "the supervisor and the program managers of their program",
    ),
    ("programs", "program_id", fidelity.program_fidelity, "its program managers"),
)


def _fidelity_view(parameter: str, measure: _Measure, who: str) -> Callable[..., Response]:
    def view(**arguments: Any) -> Response:
        window = query(FidelityQuerySchema)
        answer_format = window.pop("format")
        actor: Actor | None = current_actor()
        if answer_format != "json":
            # Before the service's transaction, as on a page.
            remember_viewer_language(actor.user_id if actor is not None else None)
        result = measure(actor, arguments[parameter], **window)
        if answer_format == "json":
            return answer(FidelitySchema, result)
        response = Response(fidelity_svg(result), content_type=FIDELITY_FORMATS[answer_format])
        # A picture of care records: keep it out of shared caches.
        response.headers["Cache-Control"] = "private, no-store"
        return response

    singular = parameter.removesuffix("_id")
    view.__name__ = f"{singular}_fidelity"
    view.__doc__ = (
        f"Weekly fidelity of a {singular}: meetings against the target, supervision "
        f"minutes against the minutes owed.\n\nFor {who}. `format=svg` answers the same "
        "weeks drawn as a chart (`image/svg+xml`)."
    )
    return operation(
        tags=["fidelity"],
        query=FidelityQuerySchema,
        response=FidelitySchema,
        alternatives=tuple(t for f, t in FIDELITY_FORMATS.items() if f != "json"),
        errors=(401, 403, 404, 422),
    )(view)


def register(routes: RouteTable) -> None:
    """Add the four fidelity routes to the API."""
    for segment, parameter, measure, who in _SCOPES:
        view = _fidelity_view(parameter, measure, who)
        routes.add_url_rule(
            f"/{segment}/<int:{parameter}>/fidelity",
            view.__name__,
            view,
            methods=["GET"],
        )
