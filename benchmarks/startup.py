"""How much the plugin adds to building a host app.

Builds the same host app (Flask, Flask-SQLAlchemy, Flask-Login, Flask-Migrate, a few views)
with and without ``tpm.init_app`` in one run, alternating the two so machine noise hits both
alike, and prints the ratio of the medians. Target: the plugin adds at most 20% (ratio <= 1.20).

    .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

from flask import Flask  # noqa: E402
from flask_login import LoginManager  # noqa: E402
from flask_migrate import Migrate  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from examples import center_app  # noqa: E402
from examples.center_app.models import db  # noqa: E402
from tpm_plugin import TPM  # noqa: E402

ROUNDS = 300
TARGET = 1.20


def build_host(with_plugin: bool) -> Flask:
    """``examples.center_app.create_app`` line for line, with or without the plugin's lines."""
    app = Flask(center_app.__name__, instance_relative_config=True)
    app.config.update(SECRET_KEY="bench", SQLALCHEMY_DATABASE_URI="sqlite://")
    os.makedirs(app.instance_path, exist_ok=True)
    db.init_app(app)
    Migrate(app, db)
    login_manager = LoginManager(app)
    login_manager.login_view = "login"
    if with_plugin:
        TPM().init_app(app)
    center_app._register_views(app)
    return app


def measure() -> tuple[float, float]:
    """Median seconds to build the host without and with the plugin."""
    build_host(True), build_host(False)  # imports and first-use caches, outside the timing
    without, with_plugin = [], []
    for _ in range(ROUNDS):
        for flag, samples in ((False, without), (True, with_plugin)):
            start = time.perf_counter()
            build_host(flag)
            samples.append(time.perf_counter() - start)
    return statistics.median(without), statistics.median(with_plugin)


def main() -> None:
    baseline, plugin = measure()
    ratio = plugin / baseline
    print(f"host app without plugin: {baseline * 1000:.2f} ms (median of {ROUNDS})")
    print(f"host app with plugin:    {plugin * 1000:.2f} ms (median of {ROUNDS})")
    harness.report_ratio("startup", ratio, TARGET)


if __name__ == "__main__":
    main()
