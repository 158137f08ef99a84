"""``make demo``: migrate a SQLite database, seed it, print the logins, and serve.

python -m examples.center_app.demo [--port 5000]
"""

from __future__ import annotations

import argparse
import logging

from flask_migrate import upgrade

from tpm_plugin import migrate

from . import create_app
from .intake import DEMO_SOURCES
from .models import db
from .seed import DEMO_PASSWORD, LOGINS, seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--no-serve", action="store_true", help="Set up and seed, then exit.")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    app = create_app()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)  # the center's own history
        migrate.upgrade(db.engine)  # the plugin's history (`flask tpm db upgrade`)
        seeded = seed()
    print()
    print("Demo center" + (" seeded." if seeded else " (already seeded)."))
    print(f"Log in at http://127.0.0.1:{arguments.port}/login with password {DEMO_PASSWORD!r}:")
    for login in LOGINS:
        print(f"  {login.role:<16} {login.email}")
    print(f"Plugin health: http://127.0.0.1:{arguments.port}/tpm/api/health")
    print("Intake sources (demo-only secrets; see the README's curl):")
    for key, (kind, secret, _) in DEMO_SOURCES.items():
        print(f"  {kind:<18} /tpm/webhooks/intake/{key}   secret {secret}")
    print()
    if not arguments.no_serve:
        app.run(host="127.0.0.1", port=arguments.port)


if __name__ == "__main__":
    main()
