"""Hostile input gets a 4xx in the API's error shape, never a 5xx: deep JSON, oversized and
chunked bodies (with or without an ``Idempotency-Key``), control characters in paths,
unknown paths, out-of-range ids on every method, and anonymous requests with bad bodies."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tpm_plugin.blueprints._hostile import MAX_JSON_DEPTH
from tpm_plugin.blueprints.api import api_routes
from tpm_plugin.models import IdempotencyRecord

from . import factories
from .conftest import BACKENDS
from .factories import as_user, row_count

PREFIX = "/tpm/api"
ROUTES = sorted(
    ((rule.rule, method) for rule in api_routes() for method in rule.methods),
    key=lambda item: (item[0], item[1]),
)
BODY_ROUTES = [(rule, method) for rule, method in ROUTES if method in {"POST", "PUT", "PATCH"}]
ITEM_ROUTES = [(rule, method) for rule, method in ROUTES if "<int" in rule]
_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


@pytest.fixture
def world(app: Flask) -> factories.World:
    return factories.world()


def _path(rule: str, world: factories.World, *, ids: str | None = None) -> str:
    """``rule`` with its parameters filled from ``world`` (or every id set to ``ids``)."""
    known = {
        "partnership_id": world.partnership.id,
        "program_id": world.program.id,
        "partner_id": world.partner.id,
        "supervisor_id": world.supervisor.id,
        "client_id": world.client.id,
        "person_id": world.client.id,
        "version": 1,
    }

    def fill(match: re.Match[str]) -> str:
        converter, name = match.groups()
        if converter is None:
            return world.program.workflow_key
        return ids if ids is not None else str(known.get(name, 1))

    return PREFIX + _PARAMETER.sub(fill, rule)


def _is_error_shape(response, status: int) -> bool:
    error = (response.get_json(silent=True) or {}).get("error", {})
    return response.status_code == status and error.get("status") == status


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_json_nested_10000_deep_is_400_on_every_body_route(client, world) -> None:
    deep = "[" * 10_000 + "]" * 10_000
    manager = as_user(world.manager_user)
    for rule, method in BODY_ROUTES:
        response = client.open(
            _path(rule, world),
            method=method,
            data=deep,
            content_type="application/json",
            headers=manager,
        )
        assert _is_error_shape(response, 400), (method, rule, response.status_code)
        assert response.json["error"]["code"] == "json_too_deep"


def test_json_nested_just_past_the_bound_is_400_and_at_the_bound_is_read(client, world) -> None:
    manager = as_user(world.manager_user)
    url = f"{PREFIX}/programs"
    at_bound = {"key": "p-deep", "name": "Deep", "manager_user_ids": []}
    past = at_bound
    for _ in range(MAX_JSON_DEPTH):
        past = {"x": past}
    assert client.post(url, json=past, headers=manager).json["error"]["code"] == "json_too_deep"
    assert client.post(url, json=at_bound, headers=manager).status_code == 201


class _CountingStream(io.RawIOBase):
    """A request body of ``size`` bytes that counts how many were read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = min(len(buffer), self.size - self.read_bytes)
        buffer[:count] = b" " * count
        self.read_bytes += count
        return count


@pytest.mark.parametrize("with_key", [False, True])
def test_a_declared_length_over_the_limit_is_413_before_a_byte_is_read(
    app, client, world, with_key
) -> None:
    limit = app.config["TPM_MAX_BODY_BYTES"]
    body = _CountingStream(200 * 1024 * 1024)
    headers = as_user(world.manager_user)
    if with_key:
        headers["Idempotency-Key"] = "big-one"
    response = client.post(
        f"{PREFIX}/programs",
        content_type="application/json",
        headers=headers,
        environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(body.size)},
    )
    assert _is_error_shape(response, 413)
    assert body.read_bytes == 0
    assert limit < body.size
    assert row_count(IdempotencyRecord) == 0


@pytest.mark.parametrize("with_key", [False, True])
def test_a_chunked_body_over_the_limit_is_413_while_it_streams(
    app, client, world, with_key
) -> None:
    limit = app.config["TPM_MAX_BODY_BYTES"]
    body = _CountingStream(200 * 1024 * 1024)
    headers = {**as_user(world.manager_user), "Transfer-Encoding": "chunked"}
    if with_key:
        headers["Idempotency-Key"] = "chunked-one"
    response = client.post(
        f"{PREFIX}/programs",
        content_type="application/json",
        headers=headers,
        environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True},
    )
    assert _is_error_shape(response, 413)
    # Read in 64 KiB pieces up to one byte past the limit, never the whole body.
    assert body.read_bytes <= limit + 64 * 1024
    assert row_count(IdempotencyRecord) == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("segment", ["%00", "a%0Ab", "%0D", "x%1Fy", "%7F"])
def test_control_characters_in_a_path_are_refused_in_the_error_shape(
    client, world, segment
) -> None:
    for path in (f"/workflows/{segment}", f"/programs/{segment}", f"/{segment}/x"):
        response = client.get(PREFIX + path, headers=as_user(world.manager_user))
        assert _is_error_shape(response, 400), path
        assert response.json["error"]["code"] == "invalid_path"


@pytest.mark.parametrize(
    "path", ["", "/", "/nope", "/programs/1/nope", "//x", "/workflows/a/b/c/d/e/f"]
)
def test_every_unknown_path_under_the_prefix_answers_in_the_error_shape(
    client, world, path
) -> None:
    response = client.get(PREFIX + path, headers=as_user(world.manager_user))
    assert _is_error_shape(response, 404), (path, response.status_code)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("bad_id", ["0", "2147483648", "-1", "99999999999", "007"])
def test_an_out_of_range_id_is_404_on_every_method_of_every_item_route(
    client, world, bad_id
) -> None:
    manager = as_user(world.manager_user)
    for rule, method in ITEM_ROUTES:
        response = client.open(
            _path(rule, world, ids=bad_id), method=method, json={}, headers=manager
        )
        assert _is_error_shape(response, 404), (method, rule, response.status_code)


def test_an_anonymous_request_with_a_bad_body_is_401_on_every_route(client, world) -> None:
    for rule, method in ROUTES:
        # Public: the health check, the API's description, and a calendar feed (its secret
        # address is the key).
        if rule in {"/health", "/openapi.json", "/calendar/<token>.ics"}:
            continue
        response = client.open(
            _path(rule, world), method=method, json={"unknown": ["x"] * 3}, query_string="x=1"
        )
        assert _is_error_shape(response, 401), (method, rule, response.status_code)


_RAW_BODIES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=20,
    ).map(lambda value: __import__("json").dumps(value).encode()),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_raw_bodies_on_every_route_never_answer_5xx(client, world, data) -> None:
    rule, method = data.draw(st.sampled_from(ROUTES))
    body = data.draw(_RAW_BODIES)
    user = data.draw(
        st.sampled_from([world.manager_user, world.partner_user, world.supervisor_user, None])
    )
    content_type = data.draw(st.sampled_from(["application/json", "text/plain", None]))
    response = client.open(
        _path(rule, world),
        method=method,
        data=body,
        content_type=content_type,
        headers=as_user(user),
    )
    assert response.status_code < 500, (method, rule, body, response.data[:300])


_SEGMENTS = st.one_of(
    st.text(min_size=0, max_size=12),
    st.sampled_from(["0", "-1", "2147483648", "%00", "%0A", "..", "%2F", "1", "key"]),
    st.integers().map(str),
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fuzzed_paths_under_the_prefix_never_answer_5xx_and_keep_the_error_shape(
    client, world, data
) -> None:
    rule, method = data.draw(st.sampled_from(ROUTES))
    segments = _path(rule, world)[len(PREFIX) :].split("/")
    position = data.draw(st.integers(min_value=1, max_value=len(segments) - 1))
    segments[position] = data.draw(_SEGMENTS)
    path = PREFIX + "/".join(segments)
    response = client.open(path, method=method, headers=as_user(world.manager_user))
    assert response.status_code < 500, (method, path, response.data[:300])
    if response.status_code >= 400:
        assert response.is_json, (method, path, response.data[:300])
