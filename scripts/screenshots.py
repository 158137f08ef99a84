"""Screenshots of each role's main page, from the running demo, for the README.

    .venv/bin/python scripts/screenshots.py      (or: make screenshots)

Seeds a demo center in a temporary folder, serves it, logs in through its login form as each
role's demo user (the browser tests' harness, tests/browser/demo.py) and saves
docs/screenshots/<role>.png of the role's main page: the first page its plugin home links
to (the home itself when it links to none). A partner's is taken at 375 px, as on a phone.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.demo import (  # noqa: E402
    CHROMIUM,
    DESKTOP,
    PHONE,
    log_in,
    login_for,
    seed_demo_database,
    serve_copy,
)

ROLES = ("program manager", "supervisor", "partner")
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        seeded = seed_demo_database(Path(folder) / "seeded.db")
        server = serve_copy(seeded, Path(folder))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
                )
                for role in ROLES:
                    viewport = PHONE if role == "partner" else DESKTOP
                    context = browser.new_context(viewport=viewport, locale="en-US")
                    page = context.new_page()
                    log_in(page, server, login_for(role).email)
                    page.goto(server.url("/tpm/"))
                    links = page.locator("#tpm-main .tpm-links a")
                    if links.count():
                        links.first.click()
                        page.wait_for_load_state()
                    path = OUT / f"{role.replace(' ', '_')}.png"
                    page.screenshot(path=str(path), full_page=True)
                    print(f"{role:<16} {page.url.removeprefix(server.base_url)} -> {path}")
                    context.close()
                browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
