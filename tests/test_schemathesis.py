"""Schemathesis against the test host app: no generated input makes any operation answer 5xx.

The app runs on PostgreSQL (stricter than SQLite about integer ranges and text) with a
program, people and a partnership seeded, and every request is made as the program's
manager, so generated ids reach real objects as well as missing ones. Exceptions are not
propagated, so a crash shows up as the 500 response a client would get.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from . import factories
from .hostapp import create_host_app

MANAGER_HEADER = "X-Test-User"


@pytest.fixture
def fuzzed_app(postgres_url: str, queue_name: str) -> Iterator[Flask]:
    app = create_host_app(postgres_url, TPM_QUEUE_NAME=queue_name, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        world = factories.world()
        factories.partnership(world.program, partner=world.partner)
        app.config["FUZZ_MANAGER"] = world.manager_user
    yield app
    with app.app_context():
        for engine in app.extensions["sqlalchemy"].engines.values():
            engine.dispose()
    from .conftest import _truncate_plugin_tables

    _truncate_plugin_tables(postgres_url)


def _server_errors(app: Flask, mode: GenerationMode) -> list[str]:
    """Run every operation of the app's document with generated ``mode`` inputs; describe
    each request that got a 5xx."""
    schema = schemathesis.openapi.from_wsgi("/tpm/api/openapi.json", app)
    headers = {MANAGER_HEADER: app.config["FUZZ_MANAGER"]}
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=15,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case) -> None:
            request = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"
            try:
                status = case.call(headers=headers).status_code
            except Exception as error:  # the transport re-raises the view's crash (a 500)
                found.append(f"500 {request} -> {type(error).__name__}: {error}".splitlines()[0])
                return
            if status >= 500:
                found.append(f"{status} {request}")

        try:
            call()
        except Unsatisfiable:
            # No input of this mode exists (a negative request to an operation that
            # takes no parameters): nothing to try.
            continue
    return found


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_server_error(fuzzed_app: Flask, mode) -> None:
    assert _server_errors(fuzzed_app, mode) == []
