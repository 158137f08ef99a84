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

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright import sync_api as playwright_api

from .axe import assert_accessible as _assert_accessible
from .demo import (
    CHROMIUM,
    DESKTOP,
    PHONE,
    DemoServer,
    log_in,
    login_for,
    seed_demo_database,
    serve_copy,
)


@pytest.fixture(scope="session")
def seeded_demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo's migrations and seed, made once per run."""
    return seed_demo_database(tmp_path_factory.mktemp("demo") / "seeded.db")


@pytest.fixture(scope="session")
def demo_server(
    seeded_demo_database: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    """The demo center shared by the run's browser tests."""
    server = serve_copy(seeded_demo_database, tmp_path_factory.mktemp("demo-shared"))
    yield server
    server.stop()


@pytest.fixture
def fresh_demo_server(seeded_demo_database: Path, tmp_path: Path) -> Iterator[DemoServer]:
    """A demo center of this test's own, freshly seeded."""
    server = serve_copy(seeded_demo_database, tmp_path)
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
