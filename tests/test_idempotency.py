"""Idempotency-Key on every POST of the API (draft-ietf-httpapi-idempotency-key-header).

The behaviour lives on the API blueprint, not on any one view, so these tests add a tiny
test-only POST route to the API blueprint of the test host app (through the blueprint's
route-module list, for this test's app only) that writes one program row per call.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
from flask import Flask, jsonify, request
from sqlalchemy import func, select

from tpm_plugin.access import current_actor
from tpm_plugin.blueprints import api
from tpm_plugin.blueprints._idempotency import ABANDONED_AFTER, REPLAYS, Replay, _fingerprint
from tpm_plugin.blueprints._routes import RouteTable
from tpm_plugin.errors import Conflict
from tpm_plugin.models import IdempotencyRecord, Meeting, Program, utcnow
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.access import require_actor

from . import factories
from .conftest import BACKENDS
from .hostapp import create_host_app

PROBE = "/tpm/api/_probe/programs"
USER = {"X-Test-User": "1"}


class _Gate:
    """Lets a test hold the probe view open, as a slow first request would be."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()


def _register_probe(gate: _Gate):
    def register(bp: RouteTable) -> None:
        def create_program():
            require_actor(current_actor())
            body = request.get_json()
            if body.get("wait"):
                gate.entered.set()
                gate.release.wait(timeout=30)
            if body.get("explode"):
                raise RuntimeError("the view crashed")
            with unit_of_work() as unit:
                if unit.session.scalar(select(Program.id).where(Program.key == body["key"])):
                    raise Conflict("That program key is taken.")
                program = Program(key=body["key"], name="Probe")
                unit.session.add(program)
                unit.session.flush()
                program_id = program.id
            response = jsonify({"id": program_id, "key": body["key"]})
            response.status_code = 201
            response.headers["Location"] = f"/programs/{program_id}"
            return response

        def get_program(program_id: int):
            require_actor(current_actor())
            with unit_of_work() as unit:
                program = unit.session.get(Program, program_id)
                return jsonify({"id": program.id, "key": program.key})

        bp.add_url_rule("/_probe/programs", "probe_create", create_program, methods=["POST"])
        bp.add_url_rule(
            "/_probe/programs/<int:program_id>", "probe_get", get_program, methods=["GET"]
        )

    return register


def _forget_api_routes() -> None:
    api.api_routes.cache_clear()
    api.create_api_blueprint.cache_clear()


@pytest.fixture
def gate() -> _Gate:
    return _Gate()


@pytest.fixture
def app(
    database_url: str, queue_name: str, gate: _Gate, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    # No app context stays pushed: each request gets its own, as in production, so the
    # actor cached on ``g`` never leaks from one request into the next.
    monkeypatch.setattr(api, "ROUTE_MODULES", [*api.ROUTE_MODULES, _register_probe(gate)])
    monkeypatch.setitem(REPLAYS, "probe_create", Replay("probe_get", "program_id", "body.id"))
    # The route table and the blueprint serving it are built once per process; rebuild
    # them with the probe (and this test's gate) for this test, and without it afterwards.
    _forget_api_routes()
    app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name)
    yield app
    _forget_api_routes()
    with app.app_context():
        for engine in app.extensions["sqlalchemy"].engines.values():
            engine.dispose()


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        return session.scalar(select(func.count()).select_from(model))


def _post(client, body: dict, key: str | None = "key-1", user: str = "1", path: str = PROBE):
    headers = {"X-Test-User": user}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(path, json=body, headers=headers)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_repeat_with_same_key_and_body_returns_stored_response_and_writes_nothing(
    app: Flask, client
) -> None:
    first = _post(client, {"key": "p1"})
    again = _post(client, {"key": "p1"})
    assert first.status_code == 201
    assert again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(app, Program) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_same_key_with_a_different_body_answers_422_and_writes_nothing(app: Flask, client) -> None:
    _post(client, {"key": "p1"})
    response = _post(client, {"key": "p2"})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "idempotency_key_reused"
    assert "headers.Idempotency-Key" in response.json["error"]["fields"]
    assert _count(app, Program) == 1


def test_same_key_on_a_different_path_answers_422(app: Flask, client) -> None:
    _post(client, {"key": "p1"})
    response = _post(client, {"key": "p1"}, path=f"{PROBE}?copy=1")
    assert response.status_code == 422


def test_same_json_with_keys_in_another_order_is_the_same_request(app: Flask, client) -> None:
    first = client.post(
        PROBE,
        data='{"key": "p1", "note": "x"}',
        content_type="application/json",
        headers={**USER, "Idempotency-Key": "k"},
    )
    again = client.post(
        PROBE,
        data='{"note":"x","key":"p1"}',
        content_type="application/json",
        headers={**USER, "Idempotency-Key": "k"},
    )
    assert again.status_code == first.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"


def test_quoted_structured_field_key_is_the_same_key_as_the_bare_one(app: Flask, client) -> None:
    _post(client, {"key": "p1"}, key="abc")
    again = _post(client, {"key": "p1"}, key='"abc"')
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_failed_first_attempt_releases_the_key_for_a_retry(app: Flask, client) -> None:
    with app.app_context(), unit_of_work() as unit:
        unit.session.add(Program(key="taken", name="Existing"))
    failed = _post(client, {"key": "taken"})
    assert failed.status_code == 409
    assert _count(app, IdempotencyRecord) == 0
    with app.app_context(), unit_of_work() as unit:
        unit.session.execute(Program.__table__.delete())
    retried = _post(client, {"key": "taken"})
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


def test_a_crashed_first_attempt_releases_the_key(app: Flask, client) -> None:
    with pytest.raises(RuntimeError):
        _post(client, {"key": "p1", "explode": True})
    assert _count(app, IdempotencyRecord) == 0


def test_keys_are_scoped_per_actor(app: Flask, client) -> None:
    _post(client, {"key": "p1"}, user="1")
    other = _post(client, {"key": "p2"}, user="2")
    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other.headers
    assert _count(app, Program) == 2


def test_posts_without_a_key_are_not_deduplicated(app: Flask, client) -> None:
    _post(client, {"key": "p1"}, key=None)
    _post(client, {"key": "p2"}, key=None)
    assert _count(app, Program) == 2
    assert _count(app, IdempotencyRecord) == 0


def test_a_request_without_an_actor_stores_no_key(app: Flask, client) -> None:
    response = client.post(PROBE, json={"key": "p1"}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 401
    assert _count(app, IdempotencyRecord) == 0


@pytest.mark.parametrize(
    ("key", "problem"),
    [("", "Must not be empty."), ('""', "Must not be empty."), ("k" * 256, "at most 255")],
)
def test_an_empty_or_oversized_key_is_rejected_in_the_error_shape(
    app: Flask, client, key: str, problem: str
) -> None:
    response = _post(client, {"key": "p1"}, key=key)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_idempotency_key"
    assert problem in response.json["error"]["fields"]["headers.Idempotency-Key"][0]
    assert _count(app, Program) == 0


def test_a_key_of_exactly_255_characters_is_accepted(app: Flask, client) -> None:
    assert _post(client, {"key": "p1"}, key="k" * 255).status_code == 201


def test_a_completed_response_is_stored_as_ids_with_its_status(app: Flask, client) -> None:
    first = _post(client, {"key": "p1"}, key="k-store")
    with app.app_context():
        record = app.extensions["sqlalchemy"].session.scalars(select(IdempotencyRecord)).one()
    assert (record.status, record.response_status, record.method) == ("completed", 201, "POST")
    assert record.response_body["replay"] == {
        "endpoint": "probe_get",
        "arguments": {"program_id": first.json["id"]},
        "render": True,
    }
    assert "body" not in record.response_body
    assert record.path == PROBE


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_repeat_while_the_first_is_still_running_answers_409(app: Flask, gate: _Gate) -> None:
    outcome: dict[str, int] = {}

    def first_request() -> None:
        outcome["first"] = _post(app.test_client(), {"key": "p1", "wait": True}).status_code

    worker = threading.Thread(target=first_request)
    worker.start()
    assert gate.entered.wait(timeout=30)
    try:
        concurrent = _post(app.test_client(), {"key": "p1", "wait": True})
    finally:
        gate.release.set()
        worker.join(timeout=30)
    assert concurrent.status_code == 409
    assert concurrent.json["error"]["code"] == "idempotency_key_in_use"
    assert outcome["first"] == 201
    assert _count(app, Program) == 1
    replay = _post(app.test_client(), {"key": "p1", "wait": True})
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_an_abandoned_in_progress_key_is_taken_over(app: Flask, client) -> None:
    _insert_in_progress(app, created_at=utcnow() - ABANDONED_AFTER - dt.timedelta(seconds=1))
    response = _post(client, {"key": "p1"})
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert _count(app, Program) == 1


def test_a_recent_in_progress_key_answers_409(app: Flask, client) -> None:
    _insert_in_progress(app, created_at=utcnow())
    response = _post(client, {"key": "p1"})
    assert response.status_code == 409
    assert _count(app, Program) == 0


def _insert_in_progress(app: Flask, created_at: dt.datetime) -> None:
    """What a concurrent first request leaves behind while its view is still running."""
    with app.test_request_context(PROBE, method="POST", json={"key": "p1"}):
        fingerprint = _fingerprint()
    with app.app_context(), unit_of_work() as unit:
        unit.session.add(
            IdempotencyRecord(
                actor_id="1",
                key="key-1",
                method="POST",
                path=PROBE,
                request_hash=fingerprint,
                status="in_progress",
                created_at=created_at,
            )
        )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_partner_retrying_a_meeting_log_on_a_flaky_connection_logs_it_once(app: Flask) -> None:
    with app.app_context():
        world = factories.world(started_at=factories.LONG_AGO)
        partnership_id, partner_user = world.partnership.id, world.partner_user
    client = app.test_client()
    headers = {"X-Test-User": partner_user, "Idempotency-Key": "meeting-2024-03-05"}
    body = {"scheduled_at": "2024-03-05T16:00:00+01:00"}
    path = f"/tpm/api/partnerships/{partnership_id}/meetings"

    first = client.post(path, json=body, headers=headers)
    retry = client.post(path, json=body, headers=headers)

    assert first.status_code == 201, first.json
    assert retry.status_code == 201
    assert retry.json == first.json
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _count(app, Meeting) == 1
