"""Exactly one access-audit row for every request that touches care data.

The services write the row of every request they serve, allowed or refused, with the role
held on the object (:mod:`tpm_plugin.services.access`). A request can also fail before it
reaches a service: a body or query that does not validate (422, 400, 413, 415). For the
care routes (:func:`is_care_route`) such a request still leaves its row, written here after
the answer is known: the object named by the path, no role (none was established), and the
outcome by status (``denied`` for 403/404, ``refused`` otherwise). Anonymous requests (401)
touch nothing and leave none.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..access import current_actor
from ..services._unit import session
from ..services.access import ALLOWED, DENIED
from ..services.audit_rows import REFUSED, AuditEntry, rows_written
from ._routes import RouteTable

#: First path segments whose routes read or change care data, and what their path names.
CARE_SEGMENTS = {
    "partnerships": "partnership",
    "identification-entries": "identification_entry",
    "plans": "plan",
    "meetings": "meeting",
    "supervision-sessions": "supervision_session",
    "reviews": "review",
    "clients": "client",
    "cadence-overrides": "cadence_override",
    "group-activities": "meeting",
}
#: What the other segments of care routes (fidelity, audit, misses) name.
_OTHER_SEGMENTS = {"partners": "partner", "supervisors": "supervisor", "programs": "program"}
_ACTIONS = {"GET": "read", "HEAD": "read", "POST": "create", "PUT": "update", "PATCH": "update"}


def is_care_route(endpoint: str, rule: str) -> bool:
    """Whether the API route ``endpoint`` at ``rule`` reads or changes care data."""
    segment = rule.strip("/").split("/", 1)[0]
    return (
        segment in CARE_SEGMENTS
        or endpoint.endswith("_fidelity")
        or endpoint in ("program_audit", "list_misses")
    )


def install_audit_guard(bp: Blueprint, routes: RouteTable) -> None:
    """After every request to a care route of ``bp`` that no service audited, write its
    row (see the module docstring)."""
    # Each route's rule by endpoint, made on the first request that needs it: mounting the
    # plugin stays cheap for the host.
    rules: dict[str, str] = {}

    def audit_unaudited(response: Response) -> Response:
        if request.method == "OPTIONS" or rows_written() or response.status_code == 401:
            return response
        matched = routes.match((request.view_args or {}).get("path", ""), request.method)
        if matched is None:
            return response
        if not rules:
            rules.update((route.endpoint, route.rule) for route in routes)
        if not is_care_route(matched[0], rules[matched[0]]):
            return response
        actor = current_actor()
        if actor is None:
            return response
        endpoint, arguments = matched
        status = response.status_code
        outcome = ALLOWED if status < 400 else DENIED if status in (403, 404) else REFUSED
        segment = rules[endpoint].strip("/").split("/", 1)[0]
        object_id = next(iter(arguments.values()), None)
        entry = AuditEntry(
            actor_id=actor.user_id,
            actor_role=None,
            object_type={**CARE_SEGMENTS, **_OTHER_SEGMENTS}.get(segment, segment),
            object_id=None if object_id is None else str(object_id),
            action=_ACTIONS.get(request.method, "read"),
            outcome=outcome,
        )
        current = session()
        current.rollback()
        entry.write(current)
        current.commit()
        return response

    bp.after_request(audit_unaudited)
