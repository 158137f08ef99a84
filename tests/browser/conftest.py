"""The browser harness: the demo center served live, Debian's Chromium driven by Playwright,
logins through the demo's own form, and an axe-core accessibility check.

Fixtures:

* ``demo_server``: the demo center (``examples/center_app``) on a free port of 127.0.0.1,
  seeded with its demo data, for the whole run (tests share it: a test that changes data
  must not rely on another test's changes, and must not break what the others read).
* ``fresh_demo_server``: a demo center of the test's own, from the same seed (a copy of the
  seeded file: about a second), for a test that needs data nobody else touched.
* ``browser``: Chromium (``/usr/bin/chromium``; ``make browser`` installs it when missing).
* ``logged_in_page(role, server=None, viewport=None)``: a new browser context logged in
  through the demo's login form as the demo user of ``role`` ("program manager",
  "supervisor", "partner"; see ``examples/center_app/seed.py`` LOGINS), on the demo's page
  ``/``. A partner's viewport is 375 px wide (phone first); the others 1280.
  ``page.demo`` is the server, ``page.demo.url("/tpm/")`` an absolute URL on it.
* ``assert_accessible(page)``: runs the vendored axe-core on the page as it is and fails on
  any serious or critical violation (also importable from ``tests.browser.axe``).

The browser tests are part of ``make test``; keep each quick (one login, a few pages).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from examples.center_app.seed import DEMO_PASSWORD, LOGINS

from .axe import assert_accessible as _assert_accessible

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


@pytest.fixture(scope="session")
def seeded_demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo's migrations and seed, made once per run."""
    database = tmp_path_factory.mktemp("demo") / "seeded.db"
    subprocess.run(
        _demo_command("--no-serve"),
        cwd=ROOT,
        env=_demo_environment(database),
        check=True,
        capture_output=True,
    )
    return database


def _serve_copy(seeded: Path, folder: Path) -> DemoServer:
    database = folder / "center.db"
    shutil.copyfile(seeded, database)
    return DemoServer(database).start()


@pytest.fixture(scope="session")
def demo_server(
    seeded_demo_database: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """The demo center shared by the run's browser tests."""
    server = _serve_copy(seeded_demo_database, tmp_path_factory.mktemp("demo-shared"))
    yield server
    server.stop()


@pytest.fixture
def fresh_demo_server(seeded_demo_database: Path, tmp_path: Path) -> Iterator[DemoServer]:
    """A demo center of this test's own, freshly seeded."""
    server = _serve_copy(seeded_demo_database, tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium).")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            # Root in a container: Chromium's sandbox needs user namespaces it may not have.
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        yield chromium
        chromium.close()


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


@pytest.fixture
def logged_in_page(browser, demo_server: DemoServer) -> Iterator[Callable[..., object]]:
    """``logged_in_page(role, server=None, viewport=None, email=None)``: a page logged in as
    ``role``'s demo user (or ``email``'s) on ``server`` (default: the shared demo)."""
    contexts = []

    def open_page(
        role: str,
        server: DemoServer | None = None,
        viewport: dict[str, int] | None = None,
        email: str | None = None,
    ):
        server = server or demo_server
        context = browser.new_context(
            viewport=viewport or (PHONE if role == "partner" else DESKTOP),
            locale="en-US",
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, server, email or login_for(role).email)
        page.demo = server
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def assert_accessible() -> Callable[..., None]:
    """``assert_accessible(page)``: 0 serious or critical axe-core violations."""
    return _assert_accessible
