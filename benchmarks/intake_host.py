"""The host app ``benchmarks/intake.py`` serves under gunicorn.

A plain Flask host with Flask-SQLAlchemy and the plugin mounted, plus one route that is
*not* the plugin: ``POST /baseline/intake``, which does a signed delivery's essential work
by hand: verify the Standard Webhooks signature with the same ``standardwebhooks`` package,
insert one row, commit. It is the raw baseline the plugin's intake endpoint is measured
against.

    gunicorn 'benchmarks.intake_host:create_app()'   # from the repository root
"""

from __future__ import annotations

import os

from flask import Flask, Response, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tpm_plugin import TPM
from tpm_plugin.models import WebhookDelivery, utcnow

#: The baseline's signing secret (the plugin's source has its own, made at seeding).
BASELINE_SECRET = "whsec_" + "YmVuY2htYXJrLWJhc2VsaW5lLXNpZ25pbmcta2V5IQ=="


class HostBase(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=HostBase)
_deliveries = WebhookDelivery.__table__
_webhook = Webhook(BASELINE_SECRET)


def create_app(database_url: str | None = None) -> Flask:
    """The benchmark host on ``database_url`` (default: ``$TPM_BENCH_DATABASE_URL``)."""
    app = Flask("tpm_intake_benchmark_host")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url or os.environ["TPM_BENCH_DATABASE_URL"],
        # The benchmark measures intake, not the rate limit's refusals.
        TPM_INTAKE_RATE_LIMIT="1000000 per minute",
    )
    db.init_app(app)
    TPM(app, db)
    app.add_url_rule("/baseline/intake", "baseline_intake", baseline_intake, methods=["POST"])
    return app


def baseline_intake() -> Response | tuple[Response, int]:
    """Verify the signature on the raw body, insert the delivery, commit."""
    body = request.get_data()
    try:
        _webhook.verify(body, dict(request.headers), json_parse=False)
    except WebhookVerificationError:
        return jsonify({"error": "signature_rejected"}), 401
    with db.engine.begin() as connection:
        row = connection.execute(
            _deliveries.insert()
            .values(
                source="baseline",
                delivery_id=request.headers["webhook-id"],
                status="processed",
                attempts=1,
                received_at=utcnow(),
            )
            .returning(_deliveries.c.id)
        ).scalar_one()
    return jsonify({"delivery_id": row}), 201
