"""The plugin's Alembic environment, shipped inside the wheel as ``tpm_plugin.migrations``."""
