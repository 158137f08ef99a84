"""The demo host: its own users, login and history, with the plugin mounted in five lines."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask_migrate import upgrade
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect

from examples.center_app import create_app, same_site_path
from examples.center_app.models import User, db
from tpm_plugin import migrate

CENTER_APP = Path(__file__).resolve().parent.parent / "examples" / "center_app" / "__init__.py"


@pytest.fixture
def center(tmp_path: Path) -> Flask:
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'center.db'}"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        migrate.upgrade(db.engine)
        user = User(email="pm@example.org", name="Pat Manager")
        user.set_password("demo-password")
        db.session.add(user)
        db.session.commit()
    return app


def test_the_plugin_is_mounted_in_at_most_five_lines() -> None:
    marked = [line for line in CENTER_APP.read_text().splitlines() if line.endswith("# tpm")]
    assert 1 <= len(marked) <= 5


def test_host_and_plugin_tables_live_side_by_side(center: Flask) -> None:
    with center.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert {"users", "rooms", "alembic_version", "tpm_alembic_version"} <= tables
    assert "tpm_partnerships" in tables


def test_login_page_and_plugin_health_are_served(center: Flask) -> None:
    client = center.test_client()
    assert b"Log in" in client.get("/login").data
    assert client.get("/tpm/api/health").json["status"] == "ok"


def test_wrong_password_is_refused_and_right_one_logs_in(center: Flask) -> None:
    client = center.test_client()
    refused = client.post("/login", data={"email": "pm@example.org", "password": "nope"})
    assert b"Wrong email or password" in refused.data
    accepted = client.post("/login", data={"email": "pm@example.org", "password": "demo-password"})
    assert accepted.status_code == 302
    assert b"Hello, Pat Manager" in client.get("/").data


def test_demo_seed_puts_partnerships_at_every_working_stage(center: Flask) -> None:
    from sqlalchemy import func, select

    from examples.center_app.seed import seed
    from tpm_plugin.models import Meeting, Partnership, SupervisionSession

    with center.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
        assert seed() is True
        assert seed() is False
        stages = db.session.scalars(select(Partnership.stage).order_by(Partnership.id)).all()
        assert stages == ["referred", "identification", "planning", "active", "review"]
        assert db.session.scalar(select(func.count()).select_from(Meeting)) == 7
        assert db.session.scalar(select(func.count()).select_from(SupervisionSession)) == 2


def test_each_demo_login_sees_only_its_own_partnerships(center: Flask) -> None:
    from examples.center_app.seed import DEMO_PASSWORD, LOGINS, seed

    with center.app_context():
        db.session.execute(db.delete(User))
        db.session.commit()
        seed()
    seen = {}
    for login in LOGINS:
        client = center.test_client()
        client.post("/login", data={"email": login.email, "password": DEMO_PASSWORD})
        response = client.get("/tpm/api/partnerships")
        assert response.status_code == 200, response.json
        seen[login.email] = response.json["total"]
    assert seen == {
        "manager@center.example": 5,
        "supervisor@center.example": 5,
        "partner@center.example": 3,
        "omar@center.example": 2,
    }


def test_demo_has_one_intake_source_per_kind_and_its_curl_signature_opens_a_partnership(
    center: Flask,
) -> None:
    import base64
    import hashlib
    import hmac
    import time

    from examples.center_app.intake import DEMO_SOURCES
    from examples.center_app.seed import seed
    from tpm_plugin.schemas.intake import SOURCE_KINDS

    with center.app_context():
        seed()
    assert sorted(kind for kind, _, _ in DEMO_SOURCES.values()) == sorted(SOURCE_KINDS)
    # The README's shell recipe: HMAC-SHA256 over "id.timestamp.body" with the decoded key.
    secret = DEMO_SOURCES["referrals"][1]
    body = b'{"client":{"first_name":"Noor","last_name":"Haddad","date_of_birth":"2015-06-01"}}'
    msg_id, timestamp = "msg_readme_1", str(int(time.time()))
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    response = center.test_client().post(
        "/tpm/webhooks/intake/referrals",
        data=body,
        headers={
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["stage"] == "referred"


def _log_in_with_next(center: Flask, target: str) -> str:
    client = center.test_client()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "pm@example.org", "password": "demo-password"},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def test_login_follows_a_next_path_on_this_site(center: Flask) -> None:
    assert _log_in_with_next(center, "/tpm/api/partnerships?page=2") == (
        "/tpm/api/partnerships?page=2"
    )


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/login",
        "//evil.example/login",
        "/\\evil.example/login",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_login_never_follows_next_to_another_site(center: Flask, target: str) -> None:
    assert _log_in_with_next(center, target) == "/"


@given(st.text(max_size=40))
def test_a_followed_next_is_always_a_path_on_this_site(target: str) -> None:
    followed = same_site_path(target)
    if followed is None:
        return
    as_a_browser_reads_it = re.sub(r"[\t\r\n]", "", followed).replace("\\", "/")
    parts = urlsplit(as_a_browser_reads_it)
    assert as_a_browser_reads_it.startswith("/")
    assert not as_a_browser_reads_it.startswith("//")
    assert not parts.scheme and not parts.netloc
