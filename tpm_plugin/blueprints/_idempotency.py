"""``Idempotency-Key`` for every POST of the API (draft-ietf-httpapi-idempotency-key-header).

A client that may retry a POST (a partner logging a meeting on a flaky phone connection)
sends ``Idempotency-Key: <unique value>``. The first request with a key claims it; then:

* the same key and the same request again: the request is answered again, marked with
  ``Idempotent-Replayed: true``, and nothing is changed. A replay is authorized and
  audited like the first request: it is answered by the GET of what the first request
  made or changed (:data:`REPLAYS`), rendered from the current rows, so someone no longer
  in scope gets 404, an erased client's data is not brought back, and the audit gets a
  ``replay`` row. Only ids are stored, never care data;
* the same key with a different body (or for a different path): 422;
* the same key while the first request is still running: 409;
* a first attempt that failed (any non-2xx answer) releases the key, so the client can
  fix the request and retry with it.

Keys are scoped per actor (unique ``(actor_id, key)``), so two users can never collide or
read each other's stored responses. A request without an actor is left alone: the view
answers 401 and there is nothing to store. A key stuck ``in_progress`` (its worker died)
is taken over after :data:`ABANDONED_AFTER`.

Every POST route of the API says in :data:`REPLAYS` how its replay is answered, or is one
of the :data:`NOT_REPLAYED` rotations of a secret, which ignore the header (a test checks
that none is missing).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from ..access import current_actor
from ..errors import Conflict, TPMError
from ..models import IdempotencyRecord, utcnow
from ..services._unit import session, unit_of_work
from ..services.request_facts import mark_replay
from ._routes import RouteTable

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
#: An ``in_progress`` key older than this belongs to a request that died without answering.
ABANDONED_AFTER = dt.timedelta(minutes=5)
#: Response headers worth replaying (the new resource's address).
_REPLAYED_HEADERS = ("Location",)
_IN_PROGRESS = "in_progress"
_COMPLETED = "completed"
_ROUTES_KEY = "tpm_plugin.idempotency_routes"


@dataclass(frozen=True)
class Replay:
    """How a POST is answered when replayed: by calling the view ``endpoint`` (a GET of what
    the POST made or changed) with ``argument`` taken from the first answer's body
    (``body.<field>``) or the POST's own path (``path.<parameter>``).

    With ``render`` the view's answer *is* the replay (status and headers of the first
    answer); without, the view only authorizes the replay and audits it, and the first
    answer's body (which then must hold no care data) is returned.
    """

    endpoint: str
    argument: str
    source: str
    render: bool = True


def _rendered(endpoint: str, argument: str, field: str = "body.id") -> Replay:
    return Replay(endpoint, argument, field)


#: Every POST route of the API, by endpoint: how its replay is answered.
REPLAYS: dict[str, Replay] = {
    "create_program": _rendered("get_program", "program_id"),
    "add_program_manager": Replay(
        "list_program_managers", "program_id", "path.program_id", render=False
    ),
    "create_client": _rendered("get_client", "person_id"),
    "create_partner": _rendered("get_partner", "person_id"),
    "create_supervisor": _rendered("get_supervisor", "person_id"),
    "create_partnership": _rendered("get_partnership", "partnership_id"),
    "add_identification_entry": _rendered("get_identification_entry", "entry_id"),
    "add_plan": _rendered("get_plan", "plan_id"),
    "add_meeting": _rendered("get_meeting", "meeting_id"),
    "log_meeting_outcome": _rendered("get_meeting", "meeting_id", "path.meeting_id"),
    "add_supervision_session": _rendered("get_supervision_session", "session_id"),
    "log_supervision_outcome": _rendered(
        "get_supervision_session", "session_id", "path.session_id"
    ),
    "add_review": _rendered("get_review", "review_id"),
    # Erasing is idempotent itself: a replay erases again, which changes nothing.
    "erase_client": _rendered("erase_client", "client_id", "path.client_id"),
    "fire_transition": Replay(
        "get_partnership", "partnership_id", "path.partnership_id", render=False
    ),
    "raise_cadence": _rendered("get_cadence_override", "override_id"),
    "end_cadence": _rendered("get_cadence_override", "override_id", "path.override_id"),
    "log_group_activity": _rendered("get_group_activity", "group_id", "body.group_id"),
    "create_workflow": Replay("get_workflow", "key", "body.key", render=False),
    "create_draft": Replay("get_workflow", "key", "path.key", render=False),
    "validate_draft": Replay("get_workflow", "key", "path.key", render=False),
    "publish_draft": Replay("get_workflow", "key", "path.key", render=False),
    "migrate_partnerships": Replay("get_workflow", "key", "path.key", render=False),
    "add_absence": Replay("list_absences", "supervisor_id", "path.supervisor_id", render=False),
    # A source's secret is shown once, by the first answer: a replay shows the source only.
    "create_intake_source": _rendered("get_intake_source", "source_id"),
    "replay_intake_dead_letter": Replay(
        "get_partnership", "partnership_id", "body.partnership_id", render=False
    ),
    # The first answer holds ids only; reading the referral's partnership authorizes a replay.
    "resolve_possible_duplicate": Replay(
        "get_partnership", "partnership_id", "body.partnership_id", render=False
    ),
}

#: POST routes that ignore ``Idempotency-Key`` on purpose: each answers with a new secret
#: (a calendar feed's address, an intake source's secret) that must never be stored to be
#: replayed; retrying one simply rotates again, and the newest secret is the one that works.
NOT_REPLAYED = frozenset({"rotate_partner_feed", "rotate_supervisor_feed", "rotate_intake_secret"})


def install_idempotency(bp: Blueprint, routes: RouteTable) -> None:
    """Make every POST of ``bp`` (whose routes are ``routes``) honour an optional
    ``Idempotency-Key`` header."""

    def claim_key() -> Response | None:
        request.environ[_ROUTES_KEY] = routes
        return _claim_key(routes)

    bp.before_request(claim_key)
    bp.after_request(_settle_key)
    bp.teardown_request(_release_unsettled_key)


def _claim_key(routes: RouteTable) -> Response | None:
    if request.method != "POST" or HEADER not in request.headers:
        return None
    matched = routes.match((request.view_args or {}).get("path", ""), "POST")
    if matched is None or matched[0] not in REPLAYS:
        return None
    g.tpm_idempotency_route = matched
    key = _parse_key(request.headers[HEADER])
    actor = current_actor()
    if actor is None:
        return None
    fingerprint = _fingerprint()
    # Two rounds: the key may be released between a failed claim and reading its holder.
    for _ in range(2):
        record_id = _insert_in_progress(actor.user_id, key, fingerprint)
        if record_id is not None:
            g.tpm_idempotency_record_id = record_id
            return None
        existing = _existing(actor.user_id, key)
        if existing is not None:
            return _answer_existing(existing, fingerprint)
    raise Conflict(
        f"A request with this {HEADER} is being retried concurrently; retry it once more.",
        code="idempotency_key_in_use",
    )


def _parse_key(raw: str) -> str:
    # The draft sends the key as a structured-field string ("..."); bare values are accepted.
    key = raw.strip()
    if len(key) >= 2 and key.startswith('"') and key.endswith('"'):
        key = key[1:-1]
    problem = None
    if not key:
        problem = "Must not be empty."
    elif len(key) > MAX_KEY_LENGTH:
        problem = f"Must be at most {MAX_KEY_LENGTH} characters long."
    elif not key.isascii() or not key.isprintable():
        problem = "Must be printable ASCII."
    if problem:
        raise TPMError(
            f"The {HEADER} header is not valid; send a unique value (a UUID, for example).",
            code="invalid_idempotency_key",
            fields={f"headers.{HEADER}": [problem]},
        )
    return key


def _fingerprint() -> str:
    """A hash of what makes two requests "the same": method, path, query and body.

    A JSON body is hashed in canonical form, so a client that re-serialises the same
    object with its keys in another order is still recognised as retrying.
    """
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError):
        body = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _insert_in_progress(actor_id: str, key: str, fingerprint: str) -> int | None:
    """Claim the key in a committed transaction of its own; ``None`` if it is taken."""
    record = IdempotencyRecord(
        actor_id=actor_id,
        key=key,
        method=request.method,
        path=request.path[:500],
        request_hash=fingerprint,
        status=_IN_PROGRESS,
    )
    try:
        with unit_of_work() as unit:
            unit.session.add(record)
            unit.session.flush()
            return record.id
    except IntegrityError:
        return None


def _existing(actor_id: str, key: str) -> IdempotencyRecord | None:
    return (
        session()
        .scalars(
            select(IdempotencyRecord).where(
                IdempotencyRecord.actor_id == actor_id, IdempotencyRecord.key == key
            )
        )
        .first()
    )


def _answer_existing(existing: IdempotencyRecord, fingerprint: str) -> Response | None:
    if existing.request_hash != fingerprint:
        raise TPMError(
            f"This {HEADER} was already used for a different request; send a new key "
            "for a new request.",
            status=422,
            code="idempotency_key_reused",
            fields={f"headers.{HEADER}": ["Already used for a different request."]},
        )
    if existing.status == _IN_PROGRESS:
        if existing.created_at < utcnow() - ABANDONED_AFTER and _take_over(existing.id):
            g.tpm_idempotency_record_id = existing.id
            return None
        raise Conflict(
            f"A request with this {HEADER} is still being processed; retry once it has answered.",
            code="idempotency_key_in_use",
        )
    return _replay(existing)


def _take_over(record_id: int) -> bool:
    """Restart an abandoned claim; only one of several racing retries wins it."""
    with unit_of_work() as unit:
        result = unit.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == record_id,
                IdempotencyRecord.status == _IN_PROGRESS,
                IdempotencyRecord.created_at < utcnow() - ABANDONED_AFTER,
            )
            .values(created_at=utcnow())
        )
        return result.rowcount == 1


def _replay(record: IdempotencyRecord) -> Response:
    """Answer the stored request again through the view that authorizes and audits it."""
    stored: dict[str, Any] = record.response_body or {}
    replay = stored.get("replay") or {}
    routes: RouteTable = request.environ[_ROUTES_KEY]
    mark_replay()
    answered = current_app.make_response(
        routes.view(replay["endpoint"])(**replay.get("arguments", {}))
    )
    if not 200 <= answered.status_code < 300:
        return answered
    if replay.get("render"):
        response = answered
        response.status_code = record.response_status or answered.status_code
    else:
        response = Response(
            json.dumps(stored.get("body")),
            status=record.response_status,
            mimetype="application/json",
        )
    for name, value in (stored.get("headers") or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _replay_of(response: Response) -> dict[str, Any]:
    """What to store so that the request can be replayed: ids, never care data."""
    endpoint, path_arguments = g.pop("tpm_idempotency_route")
    replay = REPLAYS[endpoint]
    where, _, name = replay.source.partition(".")
    body = response.get_json(silent=True) or {}
    value = body.get(name) if where == "body" else path_arguments[name]
    stored: dict[str, Any] = {
        "replay": {
            "endpoint": replay.endpoint,
            "arguments": {replay.argument: value},
            "render": replay.render,
        },
        "headers": {h: response.headers[h] for h in _REPLAYED_HEADERS if h in response.headers},
    }
    if not replay.render:
        stored["body"] = body
    return stored


def _settle_key(response: Response) -> Response:
    record_id = g.pop("tpm_idempotency_record_id", None)
    if record_id is None:
        return response
    if 200 <= response.status_code < 300:
        stored = _replay_of(response)
        with unit_of_work() as unit:
            unit.session.execute(
                update(IdempotencyRecord)
                .where(IdempotencyRecord.id == record_id)
                .values(
                    status=_COMPLETED,
                    response_status=response.status_code,
                    response_body=stored,
                    completed_at=utcnow(),
                )
            )
    else:
        _release(record_id)
    return response


def _release_unsettled_key(error: BaseException | None) -> None:
    # An exception that escaped every handler skips after_request; free the key anyway.
    record_id = g.pop("tpm_idempotency_record_id", None)
    if record_id is not None:
        _release(record_id)


def _release(record_id: int) -> None:
    session().rollback()
    with unit_of_work() as unit:
        unit.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
