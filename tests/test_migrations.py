"""The plugin's own Alembic history: round trips, agreement with the models, and living
beside a host that has a history of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import Flask
from flask_migrate import Migrate, init, upgrade
from flask_migrate import migrate as host_autogenerate
from sqlalchemy import create_engine, inspect, text

from tpm_plugin import include_object, migrate
from tpm_plugin.models import metadata

from . import services
from .hostapp import create_host_app, db


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url, drop = services.create_run_database(services.postgres_server_url())
    yield url
    drop()


def _plugin_tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {name for name in inspect(engine).get_table_names() if name.startswith("tpm_")}
    finally:
        engine.dispose()


def test_upgrade_downgrade_base_upgrade_round_trips(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    migrate.upgrade(engine)
    assert _plugin_tables(empty_database_url) == set(metadata.tables) | {"tpm_alembic_version"}
    migrate.downgrade(engine, "base")
    assert _plugin_tables(empty_database_url) == set()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_models_and_migrations_agree(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": migrate.include_plugin_object},
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_host_include_object_skips_plugin_tables_only() -> None:
    users, tpm_meetings = db.metadata.tables["users"], metadata.tables["tpm_meetings"]
    assert include_object(users, "users", "table", False, None)
    assert not include_object(tpm_meetings, "tpm_meetings", "table", False, None)
    column = tpm_meetings.c.status
    assert not include_object(column, "status", "column", False, None)
    assert include_object(users.c.email, "email", "column", False, None)


def test_host_history_and_plugin_history_stay_apart(tmp_path: Path) -> None:
    """A host with its own Flask-Migrate history autogenerates only its own tables, and the
    plugin's history never sees the host's."""
    url = f"sqlite:///{tmp_path / 'host.db'}"
    app = create_host_app(url)
    Migrate(app, db, directory=str(tmp_path / "host_migrations"), include_object=include_object)
    with app.app_context():
        migrate.upgrade(db.engine)
        init(directory=str(tmp_path / "host_migrations"))
        host_autogenerate(directory=str(tmp_path / "host_migrations"), message="users")
        upgrade(directory=str(tmp_path / "host_migrations"))
        revision_files = list((tmp_path / "host_migrations" / "versions").glob("*.py"))
        assert len(revision_files) == 1
        generated = revision_files[0].read_text()
        assert "'users'" in generated
        assert "tpm_" not in generated
        with db.engine.connect() as connection:
            host_revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert host_revision.scalar() is not None
        assert migrate.current_revision(db.engine) == migrate.head_revision()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": migrate.include_plugin_object},
            )
            assert compare_metadata(context, metadata) == []
        migrate.downgrade(db.engine, "base")
        assert "users" in inspect(db.engine).get_table_names()


def test_cli_upgrade_current_downgrade(tmp_path: Path) -> None:
    app = create_host_app(f"sqlite:///{tmp_path / 'cli.db'}")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tpm", "db", "current"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("base")
    result = runner.invoke(args=["tpm", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert migrate.head_revision() in result.output
    result = runner.invoke(args=["tpm", "db", "current"])
    assert "up to date" in result.output
    result = runner.invoke(args=["tpm", "db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert "base" in result.output


def test_cli_upgrade_on_an_unreachable_database_is_one_sentence_without_password() -> None:
    app: Flask = create_host_app("postgresql+psycopg://tpm:s3cret@127.0.0.1:1/center")
    result = app.test_cli_runner().invoke(args=["tpm", "db", "upgrade"])
    assert result.exit_code == 1
    assert "Cannot reach the database at postgresql+psycopg://tpm:***@127.0.0.1:1/center" in (
        result.output
    )
    assert "s3cret" not in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
