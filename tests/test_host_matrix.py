"""Host apps of every style met in real centers mount the plugin the documented way and go
from nothing to a partnership in its first stage: ``flask tpm db upgrade``, ``flask tpm
programs create``, ``flask tpm people add``, then the JSON API with a logged-in session."""

from __future__ import annotations

import importlib.util
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy

from .conftest import _dispose
from .hosts import (
    csrf_everywhere,
    factory,
    roles_bitmask,
    roles_flask_security,
    roles_is_admin,
)

API = "/tpm/api"
ROLE_HOSTS = [roles_flask_security, roles_bitmask, roles_is_admin]


@dataclass
class Host:
    """A built host app, its Flask-SQLAlchemy and how it makes a user."""

    app: Flask
    db: SQLAlchemy
    make_user: Any
    finds_users_by_email: bool = False

    def add_users(self, *emails: str) -> list[str]:
        """Create the host's tables (never the plugin's) and these users; their ids."""
        with self.app.app_context():
            self.db.create_all()
            users = [self.make_user(email) for email in emails]
            self.db.session.add_all(users)
            self.db.session.commit()
            return [str(user.id) for user in users]


def _single_module_host(database_url: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # A fresh import per test: a single-module app is built once, when it is imported.
    monkeypatch.setenv("SINGLE_HOST_DATABASE_URL", database_url)
    path = Path(__file__).parent / "hosts" / "single_module.py"
    spec = importlib.util.spec_from_file_location(f"tests.hosts.single_{uuid.uuid4().hex}", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # SQLAlchemy resolves Mapped[...] there
    spec.loader.exec_module(module)
    return module


def log_in(app: Flask, email: str) -> FlaskClient:
    """A test client logged in through the host's own form (with its CSRF token, if any)."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = {"email": email, **({"csrf_token": token.group(1)} if token else {})}
    response = client.post("/login", data=form)
    assert response.status_code == 200, response.get_data(as_text=True)
    return client


def walk(host: Host) -> None:
    """From an empty database to a partnership in identification, as the README tells."""
    app = host.app
    manager, supervisor, partner = host.add_users(
        "manager@center.example", "sam@center.example", "pat@center.example"
    )
    name = (lambda user_id, email: email) if host.finds_users_by_email else (lambda u, e: u)
    runner = app.test_cli_runner()
    for args in (
        ["db", "upgrade"],
        ["programs", "create", "yes", "--name", "Children YES"]
        + ["--manager", name(manager, "manager@center.example")],
        ["people", "add", "yes", "--role", "supervisor", "--name", "Sam"]
        + ["--user", name(supervisor, "sam@center.example")],
        ["people", "add", "yes", "--role", "partner", "--name", "Pat"]
        + ["--user", name(partner, "pat@center.example")],
    ):
        result = runner.invoke(args=["tpm", *args])
        assert result.exit_code == 0, result.output

    as_manager = log_in(app, "manager@center.example")
    program_id = as_manager.get(f"{API}/programs").json["items"][0]["id"]
    client = as_manager.post(f"{API}/clients", json={"program_id": program_id, "display_name": "R"})
    assert client.status_code == 201, client.json
    supervisor_id = as_manager.get(f"{API}/supervisors").json["items"][0]["id"]
    partner_id = as_manager.get(f"{API}/partners").json["items"][0]["id"]
    opened = as_manager.post(
        f"{API}/partnerships",
        json={
            "program_id": program_id,
            "client_id": client.json["id"],
            "partner_id": partner_id,
            "supervisor_id": supervisor_id,
        },
    )
    assert opened.status_code == 201, opened.json
    partnership_id = opened.json["id"]
    moved = as_manager.post(
        f"{API}/partnerships/{partnership_id}/transitions",
        json={"trigger": "begin_identification"},
    )
    assert moved.status_code in (200, 201), moved.json

    as_partner = log_in(app, "pat@center.example")
    seen = as_partner.get(f"{API}/partnerships/{partnership_id}")
    assert seen.status_code == 200
    assert seen.json["stage"] == "identification"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'host.db'}"


def _built(app: Flask, db: SQLAlchemy, user_model: Any, **options: Any) -> Iterator[Host]:
    yield Host(app, db, lambda email: user_model(email=email), **options)
    _dispose(app)


@pytest.fixture
def factory_host(sqlite_url: str) -> Iterator[Host]:
    app = factory.create_app(sqlite_url)
    yield from _built(app, factory.db, factory.User, finds_users_by_email=True)


def test_app_factory_host_walks_from_nothing_to_a_partnership(factory_host: Host) -> None:
    walk(factory_host)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_app_factory_host_on_postgresql_walks_to_a_partnership(database_url: str) -> None:
    app = factory.create_app(database_url)
    with app.app_context():
        factory.User.__table__.drop(factory.db.engine, checkfirst=True)
    for host in _built(app, factory.db, factory.User, finds_users_by_email=True):
        walk(host)
        with app.app_context():
            factory.User.__table__.drop(factory.db.engine)


def test_single_module_host_walks_from_nothing_to_a_partnership(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = _single_module_host(sqlite_url, monkeypatch)
    for host in _built(module.app, module.db, module.Member):
        walk(host)


@pytest.mark.parametrize("csrf_first", [True, False], ids=["csrf-first", "csrf-after"])
def test_csrf_everywhere_host_walks_from_nothing_to_a_partnership(
    sqlite_url: str, csrf_first: bool
) -> None:
    app = csrf_everywhere.create_app(sqlite_url, csrf_first=csrf_first)
    for host in _built(app, csrf_everywhere.db, csrf_everywhere.User):
        walk(host)


@pytest.mark.parametrize("module", ROLE_HOSTS, ids=lambda module: module.__name__.split(".")[-1])
def test_custom_roles_host_walks_from_nothing_to_a_partnership(
    sqlite_url: str, module: ModuleType
) -> None:
    app = module.create_app(sqlite_url)
    host = Host(app, module.db, lambda email: module.make_user(email, admin=False))
    walk(host)
    _dispose(app)
