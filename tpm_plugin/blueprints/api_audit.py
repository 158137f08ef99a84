"""``GET /programs/<id>/audit``: a program's access audit, for its managers."""

from __future__ import annotations

from flask import Response

from ..access import current_actor
from ..schemas.audit import AccessAuditSchema, AuditQuerySchema
from ..schemas.common import MAX_INT, page_of
from ..services import audit_trail
from ._openapi import operation
from ._routes import RouteTable
from .api_people import answer_page, query


@operation(
    tags=["audit"],
    query=AuditQuerySchema,
    response=page_of(AccessAuditSchema),
    errors=(401, 404, 422),
)
def program_audit(program_id: int) -> Response:
    """Page through who read or changed the program's care data, newest first (program
    managers only; reading it is audited too)."""
    page = audit_trail.program_audit(current_actor(), program_id, query(AuditQuerySchema))
    return answer_page(AccessAuditSchema, page)


def register(routes: RouteTable) -> None:
    """Add the audit route to the API."""
    routes.add_url_rule(
        f"/programs/<int(max={MAX_INT}):program_id>/audit",
        "program_audit",
        program_audit,
        methods=["GET"],
    )
