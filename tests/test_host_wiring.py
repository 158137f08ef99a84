"""What mounting does by itself in a host: the JSON API is exempted from Flask-WTF's
CSRFProtect (the host's own forms keep their tokens), a Flask-Migrate host's ``flask db
migrate`` never proposes a ``tpm_*`` change, and host administrators manage every program
through ``@tpm.admin_loader`` in a few lines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import String, create_engine, text
from sqlalchemy.orm import Mapped, mapped_column

from tpm_plugin import TPM, include_object
from tpm_plugin._csrf import exempt_json_blueprint_from_csrf

from .conftest import _dispose
from .hosts import csrf_everywhere, roles_bitmask, roles_flask_security, roles_is_admin
from .test_host_matrix import log_in

API = "/tpm/api"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'host.db'}"


# --- CSRF -------------------------------------------------------------------------------


@pytest.fixture(params=[True, False], ids=["csrf-first", "csrf-after"])
def csrf_host(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Flask]:
    """The CSRFProtect-everywhere host with one manager logged in, CSRFProtect initialised
    before or after the plugin."""
    app = csrf_everywhere.create_app(sqlite_url, csrf_first=request.param)
    with app.app_context():
        csrf_everywhere.db.create_all()
        csrf_everywhere.db.session.add(csrf_everywhere.User(email="ann@center.example"))
        csrf_everywhere.db.session.commit()
    assert app.test_cli_runner().invoke(args=["tpm", "db", "upgrade"]).exit_code == 0
    assert (
        app.test_cli_runner()
        .invoke(args=["tpm", "programs", "create", "yes", "--name", "YES", "--manager", "1"])
        .exit_code
        == 0
    )
    yield app
    _dispose(app)


def test_json_post_to_the_api_needs_no_csrf_token(csrf_host: Flask) -> None:
    client = log_in(csrf_host, "ann@center.example")
    response = client.post(f"{API}/programs", json={"key": "sq", "name": "Square Width"})
    assert response.status_code == 201, response.json


def test_form_encoded_post_to_the_api_is_still_refused_as_415(csrf_host: Flask) -> None:
    client = log_in(csrf_host, "ann@center.example")
    response = client.post(f"{API}/programs", data={"key": "sq", "name": "Square Width"})
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"
    assert len(client.get(f"{API}/programs").json["items"]) == 1


def test_the_hosts_own_forms_still_need_their_csrf_token(csrf_host: Flask) -> None:
    response = csrf_host.test_client().post("/login", data={"email": "ann@center.example"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_another_blueprint_is_exempted_by_the_same_helper_whatever_the_order() -> None:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x")
    hooks = Blueprint("hooks", __name__)
    forms = Blueprint("forms", __name__)
    for blueprint in (hooks, forms):
        blueprint.add_url_rule("/in", "receive", lambda: "ok", methods=["POST"])
    app.register_blueprint(hooks, url_prefix="/hooks")
    app.register_blueprint(forms, url_prefix="/forms")
    exempt_json_blueprint_from_csrf(app, hooks)
    CSRFProtect(app)
    client = app.test_client()
    assert client.post("/hooks/in", json={}).status_code == 200
    assert client.post("/forms/in", json={}).status_code == 400


# --- Flask-Migrate ----------------------------------------------------------------------

host_db = SQLAlchemy()


class Note(host_db.Model):
    """A table of the host's own."""

    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(200))


def skip_legacy_tables(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    """A host's own autogenerate filter: tables it keeps outside its models."""
    return not (type_ == "table" and (name or "").startswith("legacy_"))


def _migrate_host(url: str, migrate_first: bool, host_filter: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=url)
    host_db.init_app(app)
    options = {"include_object": host_filter} if host_filter else {}
    if migrate_first:
        Migrate(app, host_db, **options)
        TPM().init_app(app)
    else:
        TPM().init_app(app)
        Migrate(app, host_db, **options)
    return app


@pytest.mark.parametrize("migrate_first", [True, False], ids=["migrate-first", "migrate-after"])
@pytest.mark.parametrize("host_filter", [None, skip_legacy_tables], ids=["no-filter", "filter"])
def test_flask_db_migrate_in_a_generated_host_proposes_no_tpm_change(
    tmp_path: Path, sqlite_url: str, migrate_first: bool, host_filter: Any
) -> None:
    engine = create_engine(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE legacy_accounts (id INTEGER PRIMARY KEY)"))
    engine.dispose()
    app = _migrate_host(sqlite_url, migrate_first, host_filter)
    folder = str(tmp_path / "migrations")
    runner = app.test_cli_runner()

    def flask(*args: str) -> str:
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        return result.output

    flask("db", "init", "-d", folder)
    flask("tpm", "db", "upgrade")
    flask("db", "migrate", "-d", folder, "-m", "notes")
    (generated,) = (tmp_path / "migrations" / "versions").glob("*.py")
    source = generated.read_text()
    assert "op.create_table('notes'" in source
    assert "tpm_" not in source
    assert ("legacy_accounts" in source) is (host_filter is None)
    flask("db", "upgrade", "-d", folder)
    output = flask("db", "migrate", "-d", folder, "-m", "nothing")
    assert len(list((tmp_path / "migrations" / "versions").glob("*.py"))) == 1, output
    _dispose(app)


def test_the_documented_explicit_include_object_still_works_and_is_not_chained_twice(
    sqlite_url: str,
) -> None:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=sqlite_url)
    host_db.init_app(app)
    Migrate(app, host_db, include_object=include_object)
    TPM().init_app(app)
    with app.app_context():
        pass
    assert app.extensions["migrate"].configure_args["include_object"] is include_object


# --- host administrators ----------------------------------------------------------------

ROLE_HOSTS = [roles_flask_security, roles_bitmask, roles_is_admin]


@pytest.fixture(params=ROLE_HOSTS, ids=lambda module: module.__name__.split(".")[-1])
def roles_host(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[ModuleType]:
    """A host with its own notion of administrator, an admin and a plain user in it."""
    module = request.param
    app = module.create_app(sqlite_url)
    with app.app_context():
        module.db.create_all()
        module.db.session.add_all(
            [
                module.make_user("admin@center.example", admin=True),
                module.make_user("staff@center.example", admin=False),
            ]
        )
        module.db.session.commit()
    assert app.test_cli_runner().invoke(args=["tpm", "db", "upgrade"]).exit_code == 0
    module.app = app
    yield module
    _dispose(app)


def test_host_admin_creates_the_first_program_through_the_api(roles_host: ModuleType) -> None:
    admin = log_in(roles_host.app, "admin@center.example")
    response = admin.post(f"{API}/programs", json={"key": "yes", "name": "Children YES"})
    assert response.status_code == 201, response.json
    listed = admin.get(f"{API}/programs")
    assert [item["key"] for item in listed.json["items"]] == ["yes"]


def test_host_admin_manages_programs_others_created(roles_host: ModuleType) -> None:
    result = roles_host.app.test_cli_runner().invoke(
        args=["tpm", "programs", "create", "sq", "--name", "Square Width", "--manager", "2"]
    )
    assert result.exit_code == 0, result.output
    admin = log_in(roles_host.app, "admin@center.example")
    program_id = admin.get(f"{API}/programs").json["items"][0]["id"]
    response = admin.post(f"{API}/clients", json={"program_id": program_id, "display_name": "R"})
    assert response.status_code == 201, response.json


def test_a_host_user_who_is_not_admin_gets_no_plugin_role(roles_host: ModuleType) -> None:
    staff = log_in(roles_host.app, "staff@center.example")
    assert staff.get(f"{API}/programs").status_code == 403
    response = staff.post(f"{API}/programs", json={"key": "yes", "name": "Children YES"})
    assert response.status_code == 403
