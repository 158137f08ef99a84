"""The host app ``benchmarks/transitions.py`` serves under gunicorn.

A plain Flask host with Flask-SQLAlchemy, Flask-Login and the plugin mounted, plus one
route that is *not* the plugin: ``POST /baseline/partnerships/<id>/transitions``, which does
a transition's essential work by hand in SQLAlchemy Core (lock the row, update the stage,
insert the audit row, commit). It is the raw baseline the plugin's endpoint is measured
against.

Requests name their user in ``X-Bench-User`` (a Flask-Login ``request_loader``, as a host
behind a single-sign-on proxy might); the plugin resolves roles from its own tables.

    gunicorn 'benchmarks.transitions_host:create_app()'   # from the repository root
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response, jsonify, request
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import select, update
from sqlalchemy.orm import DeclarativeBase

from benchmarks._harness import USER_HEADER
from tpm_plugin import TPM
from tpm_plugin.models import Partnership, TransitionAudit, utcnow

#: The one pair of transitions the benchmark alternates: (trigger, from stage, to stage).
BASELINE_TRANSITIONS = {
    "put_on_hold": ("identification", "on_hold"),
    "resume_identification": ("on_hold", "identification"),
}


class HostBase(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=HostBase)


class BenchUser(UserMixin):
    def __init__(self, user_id: str) -> None:
        self.id = user_id


def create_app(database_url: str | None = None) -> Flask:
    """The benchmark host on ``database_url`` (default: ``$TPM_BENCH_DATABASE_URL``)."""
    app = Flask("tpm_benchmark_host")
    app.config.update(
        SECRET_KEY="benchmark",
        SQLALCHEMY_DATABASE_URI=database_url or os.environ["TPM_BENCH_DATABASE_URL"],
    )
    db.init_app(app)
    login = LoginManager(app)

    @login.request_loader
    def user_from_header(req: Any) -> BenchUser | None:
        user_id = req.headers.get(USER_HEADER)
        return BenchUser(user_id) if user_id else None

    TPM(app, db)
    app.add_url_rule(
        "/baseline/partnerships/<int:partnership_id>/transitions",
        "baseline_transition",
        baseline_transition,
        methods=["POST"],
    )
    return app


_partnerships = Partnership.__table__
_audit = TransitionAudit.__table__


def baseline_transition(partnership_id: int) -> Response | tuple[Response, int]:
    """The same state change as the plugin's endpoint, by hand: lock, update, audit, commit."""
    user_id = request.headers.get(USER_HEADER)
    if not user_id:
        return jsonify({"error": "unauthenticated"}), 401
    body = request.get_json()
    trigger = body["trigger"]
    source, dest = BASELINE_TRANSITIONS[trigger]
    now = utcnow()
    with db.engine.begin() as connection:
        row = connection.execute(
            select(
                _partnerships.c.stage,
                _partnerships.c.workflow_key,
                _partnerships.c.workflow_version,
            )
            .where(_partnerships.c.id == partnership_id)
            .with_for_update()
        ).one()
        if row.stage != source:
            return jsonify({"error": "conflict", "stage": row.stage}), 409
        connection.execute(
            update(_partnerships)
            .where(_partnerships.c.id == partnership_id)
            .values(
                stage=dest,
                held_from_stage=source if dest == "on_hold" else None,
                stage_entered_at=now,
                version_id=_partnerships.c.version_id + 1,
            )
        )
        connection.execute(
            _audit.insert().values(
                partnership_id=partnership_id,
                from_stage=source,
                to_stage=dest,
                trigger=trigger,
                actor_id=user_id,
                actor_role="program_manager",
                reason=body.get("reason"),
                workflow_key=row.workflow_key,
                workflow_version=row.workflow_version,
                occurred_at=now,
            )
        )
    return jsonify({"partnership_id": partnership_id, "stage": dest})
