"""Intake in real hosts: CSRF-protected hosts, the per-source rate limit (memory and
Redis), concurrent duplicate deliveries on PostgreSQL, and the README's Google Forms Apps
Script run for real under Node.js."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import func, select

from tpm_plugin import TPM
from tpm_plugin.config import ConfigError
from tpm_plugin.models import Client, IntakeRecord, OutboxMessage, Partnership, WebhookDelivery
from tpm_plugin.services._unit import session

from . import intake_helpers as intake
from .hostapp import create_host_app, db
from .services import _free_port as free_port

ROOT = Path(__file__).resolve().parent.parent
APPS_SCRIPT = ROOT / "examples" / "google_forms" / "intake.gs"


def _count(model) -> int:
    return session().scalar(select(func.count()).select_from(model))


# --- CSRF ------------------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["csrf-first", "csrf-after"])
def csrf_app(request: pytest.FixtureRequest, database_url: str, queue_name: str):
    """A host that protects every POST with Flask-WTF's CSRFProtect, initialised before or
    after the plugin."""
    app = Flask("tpm_csrf_host")
    app.config.update(
        SECRET_KEY="csrf-test",
        SQLALCHEMY_DATABASE_URI=database_url,
        TPM_QUEUE_NAME=queue_name,
        WTF_CSRF_ENABLED=True,
    )
    db.init_app(app)
    csrf_first = request.param
    if csrf_first:
        CSRFProtect(app)

    @app.post("/host/form")
    def host_form() -> str:
        return "saved"

    TPM(app, db)
    if not csrf_first:
        CSRFProtect(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_webhooks_work_in_a_host_that_protects_every_post_with_csrf(csrf_app):
    client = csrf_app.test_client()
    assert client.post("/host/form").status_code == 400  # the host's own forms stay protected
    issued = intake.source()
    response = intake.deliver(client, issued, intake.standard_payload())
    assert response.status_code == 201, response.data


# --- rate limit ------------------------------------------------------------------------


def _limited_app(database_url: str, queue_name: str, **config):
    return create_host_app(
        database_url, TPM_QUEUE_NAME=queue_name, TPM_INTAKE_RATE_LIMIT="3 per minute", **config
    )


def _assert_limited_per_source(app) -> None:
    with app.app_context():
        client = app.test_client()
        busy, quiet = intake.source(), intake.source()
        answers = [
            intake.deliver(client, busy, intake.standard_payload()).status_code for _ in range(4)
        ]
        assert answers == [201, 201, 201, 429]
        refused = intake.deliver(client, busy, intake.standard_payload())
        assert refused.status_code == 429
        assert int(refused.headers["Retry-After"]) > 0
        assert refused.json["error"]["code"] == "too_many_requests"
        assert intake.deliver(client, quiet, intake.standard_payload()).status_code == 201
        assert _count(Client) == 4


def test_each_source_is_rate_limited_in_memory_with_retry_after(database_url, queue_name):
    _assert_limited_per_source(_limited_app(database_url, queue_name))


def test_each_source_is_rate_limited_in_the_hosts_redis(database_url, queue_name, redis_url):
    app = _limited_app(database_url, queue_name, TPM_REDIS_URL=redis_url)
    try:
        _assert_limited_per_source(app)
    finally:
        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter(f"*tpm-intake:{queue_name}*"):
            connection.delete(key)


# --- concurrency -----------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_five_concurrent_duplicates_open_one_referral_and_all_get_its_answer(app_without_context):
    app = app_without_context
    with app.app_context():
        issued = intake.source()
    body = intake.encode(intake.standard_payload())
    headers = intake.standard_headers(issued.secret, body)
    start = threading.Barrier(5)
    answers: list[tuple[int, dict]] = []

    def deliver() -> None:
        client = app.test_client()
        start.wait()
        response = client.post(intake.url(issued), data=body, headers=headers)
        answers.append((response.status_code, response.json))

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [201] * 5
    assert len({json.dumps(answer, sort_keys=True) for _, answer in answers}) == 1
    with app.app_context():
        counts = [
            _count(m) for m in (Client, Partnership, IntakeRecord, OutboxMessage, WebhookDelivery)
        ]
        session().remove()
    # Two outbox rows: the job greeting the referral, and the one placing the week again.
    assert counts == [1, 1, 1, 2, 1]


# --- Google Forms ----------------------------------------------------------------------

_APPS_SCRIPT_RUNTIME = r"""
const crypto = require('crypto');
const fs = require('fs');
const [scriptPath, url, secret] = process.argv.slice(2);
const signed = (buffer) => Array.from(buffer, (b) => (b > 127 ? b - 256 : b));  // Java bytes
globalThis.Utilities = {
  MacAlgorithm: { HMAC_SHA_256: 'sha256' },
  base64Decode: (text) => signed(Buffer.from(text, 'base64')),
  base64Encode: (bytes) => Buffer.from(bytes.map((b) => b & 255)).toString('base64'),
  newBlob: (text) => ({ getBytes: () => signed(Buffer.from(text, 'utf8')) }),
  computeHmacSignature: (algorithm, value, key) => signed(
    crypto.createHmac(algorithm, Buffer.from(key.map((b) => b & 255)))
      .update(Buffer.from(value.map((b) => b & 255))).digest()),
};
globalThis.PropertiesService = { getScriptProperties: () => ({
  getProperty: (name) => ({ TPM_INTAKE_URL: url, TPM_INTAKE_SECRET: secret })[name] }) };
globalThis.UrlFetchApp = { fetch: (to, options) => console.log(JSON.stringify({ to, options })) };
const item = (id, answer) => ({ getItem: () => ({ getId: () => id }), getResponse: () => answer });
eval(fs.readFileSync(scriptPath, 'utf8'));
onFormSubmit({ response: {
  getId: () => '2_ABaOnudAppsScript',
  getTimestamp: () => new Date('2026-11-29T10:00:00Z'),
  getItemResponses: () => [item(1001, 'Ana Lima \u{1F469}\u200D\u{1F467}'), item(1002, '2014-03-09'),
                           item(1003, 'Needs a friend.'), item(1004, 'Yes')],
} });
"""


def test_readme_publishes_the_apps_script_that_is_tested():
    readme = (ROOT / "README.md").read_text()
    assert APPS_SCRIPT.read_text().strip() in readme


def test_google_forms_apps_script_signature_opens_a_partnership(app, client, tmp_path):
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.fail("This test runs the Google Forms Apps Script under Node.js: install nodejs.")
    issued = intake.source(kind="google_forms")
    runtime = tmp_path / "run.js"
    runtime.write_text(_APPS_SCRIPT_RUNTIME)
    sent = subprocess.run(
        [node, str(runtime), str(APPS_SCRIPT), intake.url(issued), issued.secret],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    request = json.loads(sent.stdout)
    options = request["options"]
    response = client.post(
        request["to"],
        data=options["payload"].encode("utf-8"),
        headers={**options["headers"], "Content-Type": options["contentType"]},
    )
    assert response.status_code == 201, response.json
    person = session().get(Client, response.json["client_id"])
    assert person.display_name == "Ana Lima \U0001f469\u200d\U0001f467"
    assert person.consent_given_by == "guardian"
    tampered = client.post(
        request["to"],
        data=options["payload"].replace("Ana", "Eve").encode(),
        headers={
            **options["headers"],
            "webhook-id": "gforms_other",
            "Content-Type": "application/json",
        },
    )
    assert tampered.status_code == 401


def test_a_malformed_rate_limit_stops_the_app_at_start_up(database_url, queue_name):
    with pytest.raises(ConfigError, match="TPM_INTAKE_RATE_LIMIT"):
        create_host_app(database_url, TPM_QUEUE_NAME=queue_name, TPM_INTAKE_RATE_LIMIT="lots")


def test_deliveries_to_unknown_sources_use_no_sources_budget(database_url, queue_name):
    app = _limited_app(database_url, queue_name)
    with app.app_context():
        client = app.test_client()
        issued = intake.source()
        unknown = [client.post("/tpm/webhooks/intake/no-such-source") for _ in range(4)]
        assert [response.status_code for response in unknown] == [404] * 4
        answers = [
            intake.deliver(client, issued, intake.standard_payload()).status_code for _ in range(3)
        ]
        assert answers == [201, 201, 201]


def test_the_rate_limit_adds_no_hooks_to_the_hosts_own_requests(database_url, queue_name):
    # Every host request would pay for an app-wide hook; the limit is counted in the view.
    app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name)
    app_wide_hooks = [
        *app.before_request_funcs.get(None, []),
        *app.after_request_funcs.get(None, []),
        *app.teardown_request_funcs.get(None, []),
    ]
    assert [hook for hook in app_wide_hooks if "limit" in hook.__module__] == []
    assert [hook for hook in app_wide_hooks if hook.__module__.startswith("tpm_plugin")] == []


def test_an_unreachable_redis_lets_deliveries_through_uncounted(database_url, queue_name):
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    app = _limited_app(database_url, queue_name, TPM_REDIS_URL=dead_redis)
    with app.app_context():
        client = app.test_client()
        issued = intake.source()
        answers = [
            intake.deliver(client, issued, intake.standard_payload()).status_code for _ in range(4)
        ]
        assert answers == [201] * 4
        assert _count(Client) == 4


def test_worker_processes_sharing_redis_share_each_sources_count(
    database_url, queue_name, redis_url
):
    first = _limited_app(database_url, queue_name, TPM_REDIS_URL=redis_url)
    second = _limited_app(database_url, queue_name, TPM_REDIS_URL=redis_url)  # another worker
    try:
        with first.app_context():
            issued = intake.source()
            statuses = [
                intake.deliver(first.test_client(), issued, intake.standard_payload()).status_code
                for _ in range(2)
            ]
        with second.app_context():
            statuses += [
                intake.deliver(second.test_client(), issued, intake.standard_payload()).status_code
                for _ in range(2)
            ]
        assert statuses == [201, 201, 201, 429]
    finally:
        connection = redis.Redis.from_url(redis_url)
        for key in connection.scan_iter(f"*tpm-intake:{queue_name}*"):
            connection.delete(key)


def test_a_delivery_costs_one_redis_command_for_its_rate_limit(
    database_url, queue_name, throwaway_redis
):
    # The fixed window is counted by one script call (increment, and set the expiry with
    # the first hit); the answer needs no second look unless the delivery is refused.
    app = create_host_app(
        database_url,
        TPM_QUEUE_NAME=queue_name,
        TPM_REDIS_URL=throwaway_redis.url,
        TPM_INTAKE_RATE_LIMIT="100 per minute",
    )
    server = throwaway_redis.client()
    with app.app_context():
        client = app.test_client()
        issued = intake.source()
        # The first delivery loads the source and the limiter's script.
        assert intake.deliver(client, issued, intake.standard_payload()).status_code == 201
        server.config_resetstat()
        response = intake.deliver(client, issued, intake.standard_payload(first="Bea"))
        assert response.status_code == 201, response.json
        calls = {
            name: stats["calls"]
            for name, stats in server.info("commandstats").items()
            if name not in ("cmdstat_config|resetstat", "cmdstat_config", "cmdstat_info")
        }
    # Commands a script runs are counted too (INCRBY, and EXPIRE on a window's first hit).
    assert calls.pop("cmdstat_evalsha") == 1, calls
    assert set(calls) <= {"cmdstat_incrby", "cmdstat_expire"}, calls
