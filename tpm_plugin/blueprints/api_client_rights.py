"""A client's data rights: ``GET /clients/<id>/export`` and ``POST /clients/<id>/erase``.

Both are for the program managers of the client's program; see
:mod:`tpm_plugin.services.client_rights`.
"""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.client_rights import ClientExportSchema, ErasureSchema
from ..services import client_rights
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer


@operation(tags=["client data rights"], response=ClientExportSchema, errors=(401, 403, 404))
def export_client(client_id: int) -> Response:
    """Export everything held about one client as JSON (program managers only)."""
    return answer(ClientExportSchema, client_rights.export_client(current_actor(), client_id))


@operation(
    tags=["client data rights"], response=ErasureSchema, errors=(400, 401, 403, 404, 409, 422)
)
def erase_client(client_id: int) -> Response:
    """Erase what identifies a client, keeping the rows and the audit trail.

    Program managers only. Erasing an erased client again changes nothing and answers 200
    with the first ``erased_at``.
    """
    return answer(ErasureSchema, client_rights.erase_client(current_actor(), client_id))


def register(routes: RouteTable) -> None:
    """Add the export and erase routes to the API."""
    routes.add_url_rule(
        "/clients/<int:client_id>/export",
        "export_client",
        export_client,
        methods=["GET"],
    )
    routes.add_url_rule(
        "/clients/<int:client_id>/erase",
        "erase_client",
        erase_client,
        methods=["POST"],
    )
