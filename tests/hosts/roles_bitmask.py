"""A host with a bitmask of permissions on each user (the Flasky style); whoever holds
``ADMINISTER`` manages every program."""

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


class Permission:
    FOLLOW, COMMENT, MODERATE, ADMINISTER = 0x01, 0x02, 0x08, 0x80


class User(db.Model, UserMixin):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    permissions: Mapped[int] = mapped_column(default=Permission.FOLLOW)

    def can(self, permission: int) -> bool:
        return self.permissions & permission == permission


@tpm.admin_loader
def is_center_admin(user_id: str) -> bool:
    user = db.session.get(User, int(user_id))
    return user is not None and user.can(Permission.ADMINISTER)


def make_user(email: str, *, admin: bool) -> User:
    permissions = Permission.FOLLOW | Permission.COMMENT
    return User(email=email, permissions=permissions | (Permission.ADMINISTER if admin else 0))


def create_app(database_url: str, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="bits", SQLALCHEMY_DATABASE_URI=database_url, **config)
    db.init_app(app)
    add_login(app, db, User)
    tpm.init_app(app)
    return app
