"""A small community-center web app that mounts tpm_plugin: the demo host.

It has its own users (Flask-Login), its own tables and its own Flask-Migrate history. The
plugin is mounted by the lines marked ``# tpm``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_migrate import Migrate

from tpm_plugin import TPM  # tpm
from tpm_plugin.blueprints.pages.home import pages_for

from .models import User, db

HERE = os.path.dirname(__file__)
login_manager = LoginManager()
migrate = Migrate()
tpm = TPM()  # tpm


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the center app; ``config`` overrides the defaults (and ``CENTER_*`` env)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=os.environ.get("CENTER_SECRET_KEY", "demo-only-not-secret"),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "CENTER_DATABASE_URL", f"sqlite:///{os.path.join(app.instance_path, 'center.db')}"
        ),
        # The plugin's pages in the center's layout (an adapter of base.html's block).
        TPM_BASE_TEMPLATE="tpm_layout.html",
    )
    if os.environ.get("TPM_REDIS_URL"):
        app.config["TPM_REDIS_URL"] = os.environ["TPM_REDIS_URL"]
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    # The plugin adds its include_object to this Migrate by itself: `flask db migrate`
    # never proposes a change to the tpm_* tables.
    migrate.init_app(app, db, directory=os.path.join(HERE, "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "login"
    tpm.init_app(app)  # tpm
    _register_views(app)
    return app


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def same_site_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else ``None``: the login follows ``next``
    only there, never to another site (an open redirect would lend a phishing page the
    center's name)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read a backslash as a slash ("/\\evil.example") and ignore tabs and newlines.
    if any(character in target for character in "\\\t\r\n"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _register_views(app: Flask) -> None:
    @app.get("/")
    @login_required
    def home():
        state = app.extensions["tpm"]
        actor = state.ext._roles_loader(str(current_user.id))
        return render_template(
            "home.html",
            roles=sorted(actor.roles),
            # Every page of the plugin this person's roles use.
            role_pages=pages_for(actor),
            pages_prefix=app.config["TPM_PAGES_URL_PREFIX"] or app.config["TPM_URL_PREFIX"],
        )

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "POST":
            user = db.session.scalar(
                db.select(User).where(User.email == request.form.get("email", "").strip())
            )
            if user and user.check_password(request.form.get("password", "")):
                login_user(user)
                return redirect(same_site_path(request.args.get("next")) or url_for("home"))
            flash("Wrong email or password.")
        return render_template("login.html")

    @app.post("/logout")
    def logout():
        logout_user()
        return redirect(url_for("login"))
