"""The host app ``benchmarks/api.py`` serves under gunicorn.

A plain Flask host with Flask-SQLAlchemy and the plugin mounted, plus one route that is
*not* the plugin: ``GET /baseline/partnerships``, which answers the same page of
partnerships as JSON from one hand-written SQL query plus a count (no roles, no audit, no
schemas). It is the raw baseline the plugin's list endpoint is measured against.

Requests name their user in ``X-Bench-User`` (the plugin's ``actor_loader``); the plugin
resolves roles from its own tables.

    gunicorn 'benchmarks.api_host:create_app()'   # from the repository root
"""

from __future__ import annotations

import datetime as dt
import os

from flask import Flask, Response, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase

from benchmarks._harness import USER_HEADER
from tpm_plugin import TPM


class HostBase(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=HostBase)

_BASELINE_PAGE = text(
    "SELECT id, program_id, client_id, partner_id, supervisor_id, stage, held_from_stage, "
    "workflow_key, workflow_version, stage_entered_at, started_at, ended_at, version_id "
    "FROM tpm_partnerships ORDER BY id LIMIT :limit OFFSET :offset"
)
_BASELINE_COUNT = text("SELECT count(*) FROM tpm_partnerships")


def create_app(database_url: str | None = None) -> Flask:
    """The benchmark host on ``database_url`` (default: ``$TPM_BENCH_DATABASE_URL``)."""
    app = Flask("tpm_api_benchmark_host")
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url or os.environ["TPM_BENCH_DATABASE_URL"])
    db.init_app(app)
    tpm = TPM(app, db)

    @tpm.actor_loader
    def user_from_header() -> str | None:
        return request.headers.get(USER_HEADER)

    app.add_url_rule("/baseline/partnerships", "baseline_partnerships", baseline_partnerships)
    return app


def baseline_partnerships() -> Response:
    """The same page of partnerships as the plugin's list, by hand: one query and a count."""
    page_size = min(int(request.args.get("page_size", 25)), 100)
    page = max(int(request.args.get("page", 1)), 1)
    with db.engine.connect() as connection:
        total = connection.execute(_BASELINE_COUNT).scalar_one()
        rows = connection.execute(
            _BASELINE_PAGE, {"limit": page_size, "offset": (page - 1) * page_size}
        ).mappings()
        items = [
            {
                key: value.isoformat() if isinstance(value, dt.datetime) else value
                for key, value in row.items()
            }
            for row in rows
        ]
    return jsonify({"items": items, "page": page, "page_size": page_size, "total": total})
