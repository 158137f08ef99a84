"""Job functions the worker tests enqueue (rq imports jobs by dotted path)."""

from flask import current_app
from sqlalchemy import func, select

from tpm_plugin.models import Program


def count_programs(expected_queue: str) -> int:
    """Read the plugin's tables through the host's session: proves the app context."""
    assert current_app.config["TPM_QUEUE_NAME"] == expected_queue
    session = current_app.extensions["tpm"].db.session
    return session.scalar(select(func.count()).select_from(Program))
