"""GET /tpm/api/health: version, database and queue reachability."""

import logging

import pytest
from flask import Flask

from tpm_plugin import __version__

from .conftest import BACKENDS
from .hostapp import create_host_app


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_health_reports_version_database_and_embedded_queue(client) -> None:
    response = client.get("/tpm/api/health")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "version": __version__,
        "database": "ok",
        "queue": "ok",
        "queue_backend": "embedded",
    }


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_health_reports_real_redis_when_configured(redis_app: Flask) -> None:
    response = redis_app.test_client().get("/tpm/api/health")
    assert response.status_code == 200
    assert response.json["queue_backend"] == "redis"


def test_health_is_503_when_redis_is_unreachable(database_url: str) -> None:
    app = create_host_app(database_url, TPM_REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/tpm/api/health")
    assert response.status_code == 503
    assert response.json["queue"] == "unreachable"
    assert response.json["database"] == "ok"


def test_health_is_503_when_the_database_is_unreachable() -> None:
    app = create_host_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/tpm/api/health")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_unknown_api_path_answers_in_the_error_shape(client) -> None:
    response = client.post("/tpm/api/health")
    assert response.status_code == 405
    assert response.json["error"]["status"] == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_unknown_api_path_is_404_in_the_error_shape(client) -> None:
    response = client.get("/tpm/api/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_start_up_log_says_jobs_run_in_process_without_redis(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # A host's Alembic env (fileConfig) may have disabled existing loggers earlier in the run.
    logging.getLogger("tpm_plugin.jobs").disabled = False
    with caplog.at_level("INFO", logger="tpm_plugin.jobs"):
        create_host_app(database_url)
    assert "embedded in-memory Redis" in caplog.text


def test_start_up_does_not_connect_to_redis(database_url: str) -> None:
    app = create_host_app(database_url, TPM_REDIS_URL="redis://127.0.0.1:1/0")
    assert app.extensions["tpm"]._queue is None
