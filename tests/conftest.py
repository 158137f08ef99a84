"""Fixtures: a real host app on SQLite and on this run's own PostgreSQL database, and Redis.

Each run creates a PostgreSQL database of its own (dropped at the end; named with
``TPM_TEST_DATABASE_PREFIX``) and each test an rq queue name of its own, whose Redis keys are
removed after it, so parallel runs on one machine never see each other's data.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, text

from tpm_plugin import migrate
from tpm_plugin.models import metadata

from . import services
from .hostapp import create_host_app
from .redis_keys import leftovers, remove_queue_keys

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This run's own PostgreSQL database, migrated to head."""
    try:
        server = services.postgres_server_url()
    except services.ServiceUnavailable as error:
        pytest.exit(str(error), returncode=3)
    url, drop = services.create_run_database(server)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    drop()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A reachable Redis server."""
    try:
        return services.redis_server_url()
    except services.ServiceUnavailable as error:
        pytest.exit(str(error), returncode=3)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _truncate_plugin_tables(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """A migrated, empty database: SQLite by default, or the backend a test is parametrized
    with (``@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)``)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        path = tmp_path / "tpm.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    _truncate_plugin_tables(url)


@pytest.fixture
def queue_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """An rq queue name of this test's own. When the test used the real Redis, every key of
    the queue and its jobs is removed afterwards, and the test fails if any remains."""
    name = f"tpm-test-{uuid.uuid4().hex[:10]}"
    yield name
    if "redis_url" not in request.fixturenames:
        return
    connection = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    remove_queue_keys(connection, name)
    left = leftovers(connection, name)
    connection.close()
    assert not left, f"Redis keys of queue {name} outlived the test: {sorted(left)}"


def _dispose(app: Flask) -> None:
    with app.app_context():
        app.extensions["sqlalchemy"].session.remove()
        for engine in app.extensions["sqlalchemy"].engines.values():
            engine.dispose()


@pytest.fixture
def app(database_url: str, queue_name: str) -> Iterator[Flask]:
    """A host app with the plugin mounted, on the embedded queue, its app context pushed
    (so a test may call services directly)."""
    app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name)
    with app.app_context():
        yield app
    _dispose(app)


@pytest.fixture
def app_without_context(database_url: str, queue_name: str) -> Iterator[Flask]:
    """A host app with no app context pushed: each request gets its own, as in production
    (for tests of what one request leaves behind for the next)."""
    app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name)
    yield app
    _dispose(app)


@pytest.fixture
def redis_app(database_url: str, redis_url: str, queue_name: str) -> Iterator[Flask]:
    """A host app with the plugin mounted on real Redis (``queue_name`` removes its keys)."""
    app = create_host_app(database_url, TPM_REDIS_URL=redis_url, TPM_QUEUE_NAME=queue_name)
    with app.app_context():
        yield app
    _dispose(app)


@pytest.fixture
def client(app: Flask):
    """A test client of the host app."""
    return app.test_client()
