"""Mounting in a real host: its template overrides win, its CSRFProtect guards the pages'
forms, and without one the plugin's own token does."""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFProtect

from tests import factories
from tests.hostapp import create_host_app
from tpm_plugin.blueprints.pages._forms import FIELD, csrf_token


def _token_route(app: Flask) -> None:
    app.add_url_rule("/token", "token", lambda: csrf_token())


def test_a_hosts_template_overrides_the_plugins_file_by_file(
    database_url: str, queue_name: str, tmp_path
) -> None:
    app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name)
    folder = tmp_path / "tpm" / "pages"
    folder.mkdir(parents=True)
    (folder / "home.html").write_text(
        '{% extends "tpm/pages/layout.html" %}{% block page %}HOST-HOME{% endblock %}'
    )
    # Registered after the plugin, as a host's own blueprint would be.
    app.register_blueprint(Blueprint("host_overrides", __name__, template_folder=str(tmp_path)))
    with app.app_context():
        user = factories.as_user(factories.new_user_id())
        body = app.test_client().get("/tpm/", headers=user).get_data(as_text=True)
        missing = app.test_client().get("/tpm/nothing", headers=user).get_data(as_text=True)
    assert "HOST-HOME" in body and "My pages" in body  # the override, in the plugin's layout
    assert "Not found" in missing  # the files it does not override stay the plugin's


def test_with_the_hosts_csrfprotect_its_token_guards_the_pages(
    database_url: str, queue_name: str
) -> None:
    app = create_host_app(database_url, TPM_QUEUE_NAME=queue_name)
    CSRFProtect(app)
    _token_route(app)
    with app.app_context():
        client = app.test_client()
        user = factories.as_user(factories.new_user_id())
        token = client.get("/token").get_data(as_text=True)
        assert client.post("/tpm/", headers=user).status_code == 400
        assert client.post("/tpm/", data={FIELD: "forged"}, headers=user).status_code == 400
        # A valid Flask-WTF token passes the check (home takes no POST: 405, not 400).
        assert client.post("/tpm/", data={FIELD: token}, headers=user).status_code == 405


def test_without_csrfprotect_the_plugins_own_token_passes(app: Flask, client) -> None:
    user = factories.as_user(factories.new_user_id())
    with client.session_transaction() as session:
        session["tpm_csrf"] = "a-token-of-this-session"
    refused = client.post("/tpm/", data={FIELD: "another"}, headers=user)
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    passed = client.post("/tpm/", data={FIELD: "a-token-of-this-session"}, headers=user)
    assert passed.status_code == 405
    by_header = client.post("/tpm/", headers={**user, "X-CSRFToken": "a-token-of-this-session"})
    assert by_header.status_code == 405


def test_the_demo_renders_the_pages_in_its_own_layout(tmp_path) -> None:
    from flask_migrate import upgrade

    from examples.center_app import create_app
    from examples.center_app.models import db
    from tpm_plugin import migrate

    center = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'c.db'}"})
    with center.app_context():
        upgrade(directory=center.extensions["migrate"].directory)
        migrate.upgrade(db.engine)
        login = center.test_client().get("/tpm/")
    assert login.status_code == 302 and "/login" in login.headers["Location"]
    assert center.config["TPM_BASE_TEMPLATE"] == "tpm_layout.html"
