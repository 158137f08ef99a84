"""Run the plugin's own Alembic history against the host's database.

The plugin's revisions live in their own version table, ``tpm_alembic_version``, so they
never mix with the host's history. :func:`include_object` keeps each history to its own
tables during autogenerate.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, Table

from .models import TABLE_PREFIX

VERSION_TABLE = "tpm_alembic_version"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """An Alembic ``include_object`` hook for the *host's* environment: skip ``tpm_*`` tables.

    In the host's ``migrations/env.py``::

        from tpm_plugin import include_object
        context.configure(..., include_object=include_object)

    With Flask-Migrate, pass it through ``Migrate(app, db, include_object=include_object)``.
    """
    return not _belongs_to_plugin(obj, name, type_)


def include_plugin_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """The plugin's own hook: the inverse of :func:`include_object`, less the version table."""
    if type_ == "table" and name == VERSION_TABLE:
        return False
    return _belongs_to_plugin(obj, name, type_)


def _belongs_to_plugin(obj: Any, name: str | None, type_: str) -> bool:
    if type_ == "table":
        return (name or "").startswith(TABLE_PREFIX)
    table = getattr(obj, "table", None)
    if table is not None:
        return table.name.startswith(TABLE_PREFIX)
    return True


def migrations_path() -> Path:
    """Where the plugin's Alembic environment is (inside the installed package)."""
    from . import migrations

    return Path(migrations.__file__).parent


def alembic_config(connection: Connection) -> Config:
    """An Alembic config for the plugin's environment, bound to ``connection``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _configured(engine: Engine) -> Iterator[Config]:
    with engine.begin() as connection:
        yield alembic_config(connection)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the plugin's tables to ``revision``."""
    with _configured(engine) as cfg:
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the plugin's tables to ``revision`` (``base`` drops them all, the version
    table ``tpm_alembic_version`` included, leaving no trace of the plugin)."""
    with _configured(engine) as cfg:
        command.downgrade(cfg, revision)
        connection = cfg.attributes["connection"]
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        if context.get_current_revision() is None:
            Table(VERSION_TABLE, MetaData()).drop(connection, checkfirst=True)


def current_revision(engine: Engine) -> str | None:
    """The plugin's revision in the database, or ``None`` before the first upgrade."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def head_revision() -> str | None:
    """The newest revision the installed plugin ships."""
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_path()))
    return ScriptDirectory.from_config(cfg).get_current_head()
