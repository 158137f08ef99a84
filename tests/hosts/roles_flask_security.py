"""A host with Flask-Security-style roles (``user.roles``, ``user.has_role(name)``); its
Administrators manage every program."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tpm_plugin import TPM

from ._users import add_login

db = SQLAlchemy()
tpm = TPM()

roles_users = Table(
    "roles_users",
    db.metadata,
    Column("user_id", ForeignKey("user.id"), primary_key=True),
    Column("role_id", ForeignKey("role.id"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "role"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)


class User(db.Model, UserMixin):
    __tablename__ = "user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    roles: Mapped[list[Role]] = relationship(secondary=roles_users)

    def has_role(self, name: str) -> bool:
        return any(role.name == name for role in self.roles)


@tpm.admin_loader
def is_center_admin(user_id: str) -> bool:
    user = db.session.get(User, int(user_id))
    return user is not None and user.has_role("Administrator")


def make_user(email: str, *, admin: bool) -> User:
    roles = [Role(name="Administrator")] if admin else []
    return User(email=email, roles=roles)


def create_app(database_url: str, **config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="roles", SQLALCHEMY_DATABASE_URI=database_url, **config)
    db.init_app(app)
    add_login(app, db, User)
    tpm.init_app(app)
    return app
