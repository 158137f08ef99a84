"""The demo center served live for a browser (the tests' harness and scripts/screenshots.py):
a seeded SQLite file, a server subprocess on a free port, and the demo's login form."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from examples.center_app.seed import DEMO_PASSWORD, LOGINS

CHROMIUM = Path(os.environ.get("TPM_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
#: How long a demo server may take to answer its first request, in seconds.
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _demo_environment(database: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The demo's jobs run on its embedded in-memory Redis, never on the shared one.
        if key not in {"TPM_REDIS_URL", "CENTER_DATABASE_URL"}
    }
    environment["CENTER_DATABASE_URL"] = f"sqlite:///{database}"
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


def _demo_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "examples.center_app.demo", *arguments]


@dataclass
class DemoServer:
    """A running demo center (a subprocess serving ``database``)."""

    database: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (starting with ``/``) on this server."""
        return self.base_url + path

    def start(self) -> DemoServer:
        log = open(self.database.with_suffix(".log"), "w")  # noqa: SIM115 - the child's
        self.process = subprocess.Popen(
            _demo_command("--port", str(self.port)),
            cwd=ROOT,
            env=_demo_environment(self.database),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url("/login"), timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"The demo did not start on port {self.port}:\n"
            + self.database.with_suffix(".log").read_text()
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def seed_demo_database(database: Path) -> Path:
    """Migrate and seed the demo into the SQLite file ``database``."""
    subprocess.run(
        _demo_command("--no-serve"),
        cwd=ROOT,
        env=_demo_environment(database),
        check=True,
        capture_output=True,
    )
    return database


def serve_copy(seeded: Path, folder: Path) -> DemoServer:
    """A demo server on a copy of the seeded file ``seeded``, kept in ``folder``."""
    database = folder / "center.db"
    shutil.copyfile(seeded, database)
    return DemoServer(database).start()


def login_for(role: str):
    """The demo login of ``role`` (the first one, for the two partners)."""
    for login in LOGINS:
        if login.role == role:
            return login
    raise KeyError(f"The demo has no {role!r} login; roles: {[x.role for x in LOGINS]}")


def log_in(page, server: DemoServer, email: str) -> None:
    """Log in through the demo's login form, as a person would."""
    page.goto(server.url("/login"))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server.url("/"))
