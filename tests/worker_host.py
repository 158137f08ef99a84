"""The host app that real worker processes run, for the fault tests:

    flask --app tests.worker_host:create_app tpm worker --burst

``TPM_TEST_WORKER_CONFIG`` holds the app's config as JSON (the database URL under
``SQLALCHEMY_DATABASE_URI``). With ``TPM_TEST_HOLD_FILE`` set and that file present, the
first contact lookup deletes the file, writes its process id to ``<file>.inside`` and
sleeps, so a test can kill the work horse in the middle of a notification job.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from flask import Flask

from tpm_plugin.contacts import Contact, contact_from_tpm_tables

from . import jobs_for_tests  # noqa: F401  (registers the tests.* jobs in the worker)
from .hostapp import create_host_app


def create_app() -> Flask:
    """The worker's host app, configured from the environment."""
    config = json.loads(os.environ["TPM_TEST_WORKER_CONFIG"])
    app = create_host_app(config.pop("SQLALCHEMY_DATABASE_URI"), **config)
    hold = os.environ.get("TPM_TEST_HOLD_FILE")

    @app.extensions["tpm"].ext.contact_loader
    def contact(role: str, person_id: int) -> Contact | None:
        if hold and os.path.exists(hold):
            os.remove(hold)
            Path(f"{hold}.inside").write_text(str(os.getpid()))
            time.sleep(120)
        return contact_from_tpm_tables(role, person_id)

    return app
