"""An app-factory host: extensions created at import, bound in ``create_app``; Flask-Migrate
initialised *after* the plugin, and a user finder so ``flask tpm`` takes e-mails."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import UserMixin
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tpm_plugin import TPM

from ._users import add_login

db = SQLAlchemy()
migrate = Migrate()
tpm = TPM()


class User(db.Model, UserMixin):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)


@tpm.user_finder
def find_user(identifier: str) -> str | None:
    user = db.session.scalar(db.select(User).where(User.email == identifier))
    return None if user is None else str(user.id)


def create_app(database_url: str, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="factory", SQLALCHEMY_DATABASE_URI=database_url, **config)
    db.init_app(app)
    add_login(app, db, User)
    tpm.init_app(app)
    migrate.init_app(app, db)
    return app
