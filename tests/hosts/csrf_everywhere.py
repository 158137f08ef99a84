"""A host with Flask-WTF's global ``CSRFProtect``, initialised after the plugin: its own
forms need a token; the plugin's JSON API is exempted by the plugin itself."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tpm_plugin import TPM

from ._users import add_login

db = SQLAlchemy()
csrf = CSRFProtect()
tpm = TPM()


class User(db.Model, UserMixin):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)


def create_app(database_url: str, *, csrf_first: bool = False, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="csrf", SQLALCHEMY_DATABASE_URI=database_url, **config)
    db.init_app(app)
    if csrf_first:
        csrf.init_app(app)
    add_login(app, db, User)
    tpm.init_app(app)
    if not csrf_first:
        csrf.init_app(app)
    return app
