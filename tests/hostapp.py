"""A minimal host app for the tests: its own users table and Flask-Login, plus the plugin.

Tests act as a user by sending ``X-Test-User: <host user id>``; the host's Flask-Login
``request_loader`` turns that into ``current_user``, and the plugin's default actor loader
reads ``current_user`` as it would in any host.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_login import LoginManager, UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tpm_plugin import TPM


class HostBase(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=HostBase)


class User(db.Model, UserMixin):  # the host's own table, which the plugin never touches
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)


def create_host_app(database_url: str, **config: Any) -> Flask:
    """A fresh host app on ``database_url`` with the plugin mounted; ``config`` wins."""
    app = Flask("tpm_test_host")
    app.config.update(
        SECRET_KEY="test",
        TESTING=True,
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_RECORD_QUERIES=True,
        **config,
    )
    db.init_app(app)
    login = LoginManager(app)

    @login.request_loader
    def user_from_header(req: Any) -> User | None:
        user_id = request.headers.get("X-Test-User")
        return User(id=int(user_id), email=f"{user_id}@example.org") if user_id else None

    @app.before_request
    def forget_the_previous_requests_user() -> None:
        # The fixtures keep an app context pushed and requests reuse it, so ``g`` outlives a
        # request; Flask-Login caches the user there and would act as the previous caller.
        g.pop("_login_user", None)

    TPM(app, db)
    return app
