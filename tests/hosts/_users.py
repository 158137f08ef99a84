"""What every test host has anyway: users who log in with a form (Flask-Login, a session
cookie). Each host module brings its own ``User`` model; only the views are shared here."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template_string, request
from flask_login import LoginManager, login_user
from flask_sqlalchemy import SQLAlchemy

LOGIN_PAGE = """<form method="post">
{% if csrf_token is defined %}<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">{% endif %}
<input name="email"><button>Log in</button></form>"""


def add_login(app: Flask, db: SQLAlchemy, user_model: Any) -> LoginManager:
    """Flask-Login on ``app`` with a ``/login`` form (e-mail only: these are test hosts)."""
    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(user_model, int(user_id))

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            email = request.form.get("email", "")
            user = db.session.scalar(db.select(user_model).where(user_model.email == email))
            if user is None:
                return "Unknown user.", 401
            login_user(user)
            return "Logged in."
        return render_template_string(LOGIN_PAGE)

    return login_manager
