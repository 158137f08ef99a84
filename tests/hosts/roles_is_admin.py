"""A host whose users carry an ``is_admin`` flag; its admins manage every program."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tpm_plugin import TPM

from ._users import add_login

db = SQLAlchemy()
tpm = TPM()


class User(db.Model, UserMixin):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    is_admin: Mapped[bool] = mapped_column(default=False)


@tpm.admin_loader
def is_center_admin(user_id: str) -> bool:
    user = db.session.get(User, int(user_id))
    return bool(user and user.is_admin)


def make_user(email: str, *, admin: bool) -> User:
    return User(email=email, is_admin=admin)


def create_app(database_url: str, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="flag", SQLALCHEMY_DATABASE_URI=database_url, **config)
    db.init_app(app)
    add_login(app, db, User)
    tpm.init_app(app)
    return app
