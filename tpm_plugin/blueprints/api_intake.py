"""``/intake/sources`` and ``/intake/dead-letters``: configuring intake forms, and fixing
what they sent that could not be opened. Program managers only; see
:mod:`tpm_plugin.services.intake`. The deliveries themselves arrive at the webhooks
blueprint (:mod:`tpm_plugin.blueprints.webhooks`)."""

from __future__ import annotations

import json

from flask import Response

from ..access import current_actor
from ..schemas.common import page_of
from ..schemas.intake import (
    DeadLetterListQuerySchema,
    DeadLetterSchema,
    IntakeOpenedSchema,
    IntakeSourceCreatedSchema,
    IntakeSourceCreateSchema,
    IntakeSourceListQuerySchema,
    IntakeSourceSchema,
    IntakeSourceUpdateSchema,
    SecretRotationSchema,
)
from ..services.intake import dead_letters, sources
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer, answer_page, body, query


def _issued(issued: sources.IssuedSecret, status: int) -> Response:
    # The one answer that carries the secret: the source as always, plus what was issued.
    response = answer(IntakeSourceSchema, issued.source, status)
    response.set_data(
        json.dumps({**response.get_json(), "secret": issued.secret, "url_token": issued.url_token})
    )
    return response


@operation(
    tags=["intake"],
    body=IntakeSourceCreateSchema,
    response=IntakeSourceCreatedSchema,
    status=201,
    errors=(400, 401, 403, 409, 422),
)
def create_source() -> Response:
    """Create an intake source; the answer shows its secret, this once only."""
    issued = sources.create_source(current_actor(), body(IntakeSourceCreateSchema))
    return _issued(issued, 201)


@operation(
    tags=["intake"],
    query=IntakeSourceListQuerySchema,
    response=page_of(IntakeSourceSchema),
    errors=(401, 403, 422),
)
def list_sources() -> Response:
    """List the intake sources of the programs you manage."""
    page = sources.list_sources(current_actor(), query(IntakeSourceListQuerySchema))
    return answer_page(IntakeSourceSchema, page)


@operation(tags=["intake"], response=IntakeSourceSchema, errors=(401, 403, 404))
def get_source(source_id: int) -> Response:
    """One intake source (never its secrets)."""
    return answer(IntakeSourceSchema, sources.get_source(current_actor(), source_id))


@operation(
    tags=["intake"],
    body=IntakeSourceUpdateSchema,
    response=IntakeSourceSchema,
    errors=(400, 401, 403, 404, 422),
)
def update_source(source_id: int) -> Response:
    """Fix an intake source's mapping, or switch it off or on."""
    changes = body(IntakeSourceUpdateSchema)
    return answer(IntakeSourceSchema, sources.update_source(current_actor(), source_id, changes))


@operation(
    tags=["intake"],
    body=SecretRotationSchema,
    response=IntakeSourceCreatedSchema,
    errors=(400, 401, 403, 404, 422),
)
def rotate_secret(source_id: int) -> Response:
    """Give a source a new secret; the old one is still accepted until the next rotation."""
    data = body(SecretRotationSchema)
    return _issued(sources.rotate_secret(current_actor(), source_id, data.get("secret")), 200)


@operation(
    tags=["intake"],
    query=DeadLetterListQuerySchema,
    response=page_of(DeadLetterSchema),
    errors=(401, 403, 422),
)
def list_dead_letters() -> Response:
    """List the deliveries that could not be opened, with what went wrong by field."""
    page = dead_letters.list_dead_letters(current_actor(), query(DeadLetterListQuerySchema))
    return answer_page(DeadLetterSchema, page)


@operation(
    tags=["intake"], response=IntakeOpenedSchema, status=201, errors=(401, 403, 404, 409, 422)
)
def replay_dead_letter(dead_letter_id: int) -> Response:
    """Replay a dead letter through its source's current mapping."""
    opened = dead_letters.replay_dead_letter(current_actor(), dead_letter_id)
    return answer(IntakeOpenedSchema, opened.body, opened.status)


def register(routes: RouteTable) -> None:
    """Add the intake configuration routes to the API."""
    routes.post("/intake/sources", endpoint="create_intake_source")(create_source)
    routes.get("/intake/sources", endpoint="list_intake_sources")(list_sources)
    routes.get("/intake/sources/<int:source_id>", endpoint="get_intake_source")(get_source)
    routes.patch("/intake/sources/<int:source_id>", endpoint="update_intake_source")(update_source)
    routes.post("/intake/sources/<int:source_id>/secret", endpoint="rotate_intake_secret")(
        rotate_secret
    )
    routes.get("/intake/dead-letters", endpoint="list_intake_dead_letters")(list_dead_letters)
    routes.post(
        "/intake/dead-letters/<int:dead_letter_id>/replay", endpoint="replay_intake_dead_letter"
    )(replay_dead_letter)
