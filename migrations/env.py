"""Alembic environment of the plugin's own tables.

Run through ``flask tpm db upgrade``; the connection comes from the host's engine and the
history is kept in ``tpm_alembic_version``, apart from the host's own.
"""

from alembic import context

from tpm_plugin.migrate import VERSION_TABLE, include_plugin_object
from tpm_plugin.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "The tpm_plugin migrations run against the host's database: use "
        "`flask tpm db upgrade` (or tpm_plugin.migrate.upgrade(engine)), not bare `alembic`."
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    include_object=include_plugin_object,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)

with context.begin_transaction():
    context.run_migrations()
