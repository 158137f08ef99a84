"""A single-module host: everything at import time, ``TPM(app, db)`` on one line. Its
database comes from the environment, as such apps usually do (``SINGLE_HOST_DATABASE_URL``)."""

from __future__ import annotations

import os

from flask import Flask
from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tpm_plugin import TPM

from ._users import add_login

app = Flask(__name__)
app.config["SECRET_KEY"] = "single"
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["SINGLE_HOST_DATABASE_URL"]
db = SQLAlchemy(app)


class Member(db.Model, UserMixin):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)


add_login(app, db, Member)
tpm = TPM(app, db)
