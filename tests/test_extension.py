"""Mounting the plugin: init_app, config, prefixes, app factory and single-module hosts."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from tpm_plugin import TPM, current_tpm
from tpm_plugin.config import DEFAULTS, ConfigError

from .hostapp import create_host_app


def _bare_app(database_url: str, **config) -> Flask:
    app = Flask("bare_host")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, **config)
    return app


def test_single_module_host_mounts_with_constructor(database_url: str) -> None:
    app = _bare_app(database_url)
    db = SQLAlchemy(app)
    tpm = TPM(app, db)
    assert app.extensions["tpm"].ext is tpm
    assert app.extensions["tpm"].db is db
    assert app.test_client().get("/tpm/api/health").status_code == 200


def test_app_factory_host_finds_the_hosts_db(database_url: str) -> None:
    db = SQLAlchemy()
    tpm = TPM()

    def create_app() -> Flask:
        app = _bare_app(database_url)
        db.init_app(app)
        tpm.init_app(app)
        return app

    first, second = create_app(), create_app()
    assert first.extensions["tpm"].db is db
    assert second.extensions["tpm"].db is db
    assert first.extensions["tpm"] is not second.extensions["tpm"]
    assert second.test_client().get("/tpm/api/health").status_code == 200


def test_registering_twice_on_one_app_says_what_to_do_instead(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="already registered.*once per app"):
        TPM().init_app(app)


def test_a_host_without_flask_sqlalchemy_is_told_to_init_db_first(database_url: str) -> None:
    with pytest.raises(RuntimeError, match=r"db.init_app\(app\) before tpm.init_app\(app\)"):
        TPM(_bare_app(database_url))


def test_unknown_tpm_key_names_the_key_and_the_closest_known_one(database_url: str) -> None:
    app = _bare_app(database_url, TPM_URL_PREFX="/care")
    SQLAlchemy(app)
    with pytest.raises(ConfigError, match="TPM_URL_PREFX.*Did you mean TPM_URL_PREFIX"):
        TPM(app)
    assert "tpm" not in app.extensions


def test_host_keys_without_the_prefix_are_left_alone(database_url: str) -> None:
    app = create_host_app(database_url, TPMX_SOMETHING=1, MY_TPM_SETTING=2)
    assert app.config["MY_TPM_SETTING"] == 2


def test_defaults_are_applied_without_overriding_the_hosts_values(database_url: str) -> None:
    app = create_host_app(database_url, TPM_MAX_PAGE_SIZE=40)
    assert app.config["TPM_MAX_PAGE_SIZE"] == 40
    for key, value in DEFAULTS.items():
        if key not in {"TPM_MAX_PAGE_SIZE", "TPM_QUEUE_NAME"}:
            assert app.config[key] == value


@pytest.mark.parametrize("prefix", ["care", "/care/", ""])
def test_a_malformed_url_prefix_is_rejected(database_url: str, prefix: str) -> None:
    with pytest.raises(ConfigError, match="TPM_URL_PREFIX"):
        create_host_app(database_url, TPM_URL_PREFIX=prefix)


def test_url_prefix_and_blueprint_name_are_configurable(database_url: str) -> None:
    app = create_host_app(
        database_url, TPM_URL_PREFIX="/care/partnerships", TPM_API_BLUEPRINT_NAME="care_api"
    )
    client = app.test_client()
    assert client.get("/care/partnerships/api/health").status_code == 200
    assert client.get("/tpm/api/health").status_code == 404
    assert "care_api" in app.blueprints


def test_current_tpm_outside_a_registered_app_says_how_to_fix_it() -> None:
    with Flask("other").app_context(), pytest.raises(RuntimeError, match="init_app"):
        current_tpm()


def test_the_flask_tpm_cli_group_is_installed(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["tpm", "--help"])
    assert result.exit_code == 0
    assert "db" in result.output


def test_the_plugin_leaves_the_hosts_create_all_alone(database_url: str) -> None:
    from sqlalchemy import inspect

    from .hostapp import db

    app = create_host_app(database_url)
    with app.app_context():
        db.create_all()
        assert "users" in inspect(db.engine).get_table_names()
        assert sorted(db.metadata.tables) == ["users"]
        db.drop_all()


def test_flask_babel_is_set_up_with_the_first_app_context_not_at_mounting(
    database_url: str,
) -> None:
    from tpm_plugin.i18n import select_locale

    app = _bare_app(database_url)
    TPM(app, SQLAlchemy(app))
    assert "babel" not in app.extensions  # mounting stays cheap
    with app.app_context():
        assert app.extensions["babel"].locale_selector is select_locale


def test_a_host_setting_up_flask_babel_after_the_plugin_keeps_its_own(
    database_url: str,
) -> None:
    from flask_babel import Babel

    app = _bare_app(database_url)
    TPM(app, SQLAlchemy(app))
    Babel(app)  # no selector of its own: the host's default locale, as before
    with app.app_context():
        assert app.extensions["babel"].locale_selector is None


def test_mounting_inside_the_apps_own_context_sets_up_flask_babel_at_once(
    database_url: str,
) -> None:
    app = _bare_app(database_url)
    db = SQLAlchemy(app)
    with app.app_context():
        TPM(app, db)
        assert "babel" in app.extensions


def test_the_shipped_guards_are_there_beside_the_hosts_own() -> None:
    tpm = TPM()

    @tpm.guard("host_check", "The host says no.")
    def host_check(context) -> bool:
        return True

    assert {"identification_complete", "plan_complete", "host_check"} <= set(tpm.guards)
    assert tpm.guards.get("host_check").failure_message == "The host says no."


def test_mounting_on_another_app_connects_no_further_signal_receiver(database_url: str) -> None:
    # A host building an app per test pays no signal connection per app: the steps waiting
    # for the host's other extensions share one receiver, and still run for every app.
    from flask import appcontext_pushed

    first = _bare_app(database_url)
    TPM(first, SQLAlchemy(first))
    receivers = len(appcontext_pushed.receivers)
    second = _bare_app(database_url)
    TPM(second, SQLAlchemy(second))
    assert len(appcontext_pushed.receivers) == receivers
    with second.app_context():
        assert "babel" in second.extensions
    assert "babel" not in first.extensions  # each app's own steps, on its own first context


def test_an_app_without_the_plugin_is_left_alone_by_its_wiring(database_url: str) -> None:
    app = _bare_app(database_url)
    TPM(app, SQLAlchemy(app))
    bare = Flask("no_plugin")
    with bare.app_context():
        pass
    assert "babel" not in bare.extensions and "tpm" not in bare.extensions
