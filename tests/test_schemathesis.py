"""Schemathesis against the demo center app: no generated input makes any operation answer
5xx, and every answer matches the response the document describes.

The demo (examples/center_app) runs on a PostgreSQL database of this run's own (stricter than
SQLite about integer ranges and text), migrated with both histories and seeded by the demo's
own seed script through the plugin's services. Each role logs in through the demo's real
login form and the session cookie rides on the WSGI client. Generated path ids are steered,
half the time, onto the few ids the seed made, so requests reach real objects inside and
outside the role's reach as well as missing ones. Exceptions are not propagated, so a crash
shows up as the 500 response a client would get.

The operations are driven through Hypothesis directly: schemathesis's pytest plugin does not
run on this pytest.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from examples.center_app import create_app
from examples.center_app.models import db
from examples.center_app.seed import DEMO_PASSWORD, LOGINS, seed
from tpm_plugin import migrate
from tpm_plugin.models import Workflow

from . import services

#: Inputs generated per operation and generation mode (each sent as every role): the whole
#: file stays within about a minute on two cores.
EXAMPLES = 8

#: The seed makes at most eight rows of any kind, numbered from 1.
SEEDED_IDS = st.integers(min_value=1, max_value=8)

CHECKS = [not_a_server_error, response_schema_conformance]
ROLES = ("program manager", "supervisor", "partner")
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@dataclass(frozen=True)
class SeededDemo:
    """A PostgreSQL server and the name of a database holding the migrated, seeded demo."""

    server_url: str
    template: str
    workflow_keys: list[str]


@pytest.fixture(scope="module")
def seeded_demo() -> Iterator[SeededDemo]:
    """The demo migrated and seeded once; each test works on a copy of it."""
    try:
        server = services.postgres_server_url()
    except services.ServiceUnavailable as error:
        pytest.exit(str(error), returncode=3)
    url, drop = services.create_run_database(server)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)  # the center's own history
        migrate.upgrade(db.engine)  # the plugin's history
        assert seed() is True
        keys = list(db.session.scalars(select(Workflow.key)))
        db.session.remove()
        db.engine.dispose()  # PostgreSQL copies a template only while nobody is connected
    yield SeededDemo(server, make_url(url).database, keys)
    drop()


@pytest.fixture
def demo(seeded_demo: SeededDemo) -> Iterator[Flask]:
    """The demo app on a fresh copy of the seeded database."""
    name = f"tpm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(seeded_demo.server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{seeded_demo.template}"'))
    url = make_url(seeded_demo.server_url).set(database=name)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False),
            "PROPAGATE_EXCEPTIONS": False,
            "TPM_QUEUE_NAME": f"tpm-test-{name}",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _logged_in(app: Flask, role: str) -> FlaskClient:
    """A client holding the session cookie of the demo login for ``role``."""
    login = next(login for login in LOGINS if login.role == role)
    client = app.test_client()
    answer = client.post("/login", data={"email": login.email, "password": DEMO_PASSWORD})
    assert answer.status_code == 302, f"{login.email} could not log in"
    return client


def _steer_to_seeded_rows(case, data: st.DataObject, workflow_keys: list[str]) -> None:
    """Replace, half the time, each generated path id with a seeded one (and each workflow
    key with a real key), so the request reaches an object rather than a 404."""
    for name, value in (case.path_parameters or {}).items():
        if name == "key":
            case.path_parameters[name] = data.draw(st.sampled_from([*workflow_keys, value]))
        elif isinstance(value, int):
            case.path_parameters[name] = data.draw(st.one_of(SEEDED_IDS, st.just(value)))


def _failures(
    app: Flask, clients: dict[str, FlaskClient], mode: GenerationMode, workflow_keys: list[str]
) -> list[str]:
    """Run every operation of the app's document with generated ``mode`` inputs, each input
    sent once as every role in ``clients``; describe each request that got a 5xx or an
    undocumented answer."""
    schema = schemathesis.openapi.from_wsgi("/tpm/api/openapi.json", app)
    found: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate],
        )
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def call(case, data) -> None:
            _steer_to_seeded_rows(case, data, workflow_keys)
            request = f"{case.method} {case.formatted_path} query={case.query} body={case.body!r}"
            # Generating an input costs more than sending it, so every role gets each one.
            for role, client in clients.items():
                try:
                    response = case.call(session=client)
                except Exception as error:  # the transport re-raises the view's crash (a 500)
                    crash = f"{type(error).__name__}: {error}".splitlines()[0]
                    found.append(f"{role}: 500 {request} -> {crash}")
                    continue
                try:
                    case.validate_response(response, checks=CHECKS)
                except (Failure, FailureGroup) as failure:
                    failures = getattr(failure, "exceptions", (failure,))
                    titles = "; ".join(f"{f.title}: {f.message}" for f in failures)
                    found.append(f"{role}: {response.status_code} {request} -> {titles}")

        try:
            call()
        except Unsatisfiable:
            # No input of this mode exists (a negative request to an operation that
            # takes no parameters): nothing to try.
            continue
    return found


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
def test_no_generated_request_from_any_role_gets_a_server_error_or_an_undocumented_answer(
    demo: Flask, seeded_demo: SeededDemo, mode: GenerationMode
) -> None:
    clients = {role: _logged_in(demo, role) for role in ROLES}
    assert _failures(demo, clients, mode, seeded_demo.workflow_keys) == []
