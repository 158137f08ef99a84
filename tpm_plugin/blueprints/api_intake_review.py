"""``/intake/possible-duplicates``: referrals whose client looked like one the program
already had, and a program manager's decision on each. Program managers only; see
:mod:`tpm_plugin.services.intake.review` and :mod:`tpm_plugin.services.intake.duplicates`."""

from __future__ import annotations

from flask import Response, jsonify

from ..access import current_actor
from ..schemas.intake_review import (
    DuplicateResolutionSchema,
    DuplicateResolvedSchema,
    PossibleDuplicateSchema,
)
from ..services.intake import duplicates, review
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, body


@operation(tags=["intake"], response=PossibleDuplicateSchema, many=True, errors=(401, 403))
def list_possible_duplicates() -> Response:
    """List the referrals flagged as possible duplicates that no manager has resolved."""
    flagged = review.list_possible_duplicates(current_actor())
    return jsonify(PossibleDuplicateSchema(many=True).dump(flagged))


@operation(
    tags=["intake"],
    body=DuplicateResolutionSchema,
    response=DuplicateResolvedSchema,
    errors=(400, 401, 403, 404, 409, 422),
)
def resolve_possible_duplicate(intake_record_id: int) -> Response:
    """Resolve a possible duplicate: a different person, or the same as a flagged client."""
    data = body(DuplicateResolutionSchema)
    resolved = duplicates.resolve_possible_duplicate(
        current_actor(),
        intake_record_id,
        data["decision"],
        data.get("same_as_client_id"),
        another_open_reason=data.get("another_open_reason"),
    )
    return answer(DuplicateResolvedSchema, resolved)


def register(routes: RouteTable) -> None:
    """Add the intake review routes to the API."""
    routes.get("/intake/possible-duplicates", endpoint="list_possible_duplicates")(
        list_possible_duplicates
    )
    routes.post(
        "/intake/possible-duplicates/<int:intake_record_id>/resolution",
        endpoint="resolve_possible_duplicate",
    )(resolve_possible_duplicate)
