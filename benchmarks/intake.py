"""Throughput of signed Standard Webhooks intake against a raw baseline.

Creates a PostgreSQL database of its own, migrates it, makes a program and a Standard
Webhooks intake source through the services, and serves ``benchmarks/intake_host.py``
under a real gunicorn (2 workers, 2 threads each). Keep-alive HTTP clients then drive, in
alternating rounds so machine noise hits both alike:

* ``POST /tpm/webhooks/intake/<source>``: verify, claim the delivery id, open a client, a
  partnership and an intake record, audit, outbox row, commit; and
* the host's baseline ``POST /baseline/intake``: verify the same kind of signature with the
  same package, insert one row, commit.

Every request is a new delivery, signed just before it is sent (both kinds pay for that
alike). Before the rounds the plugin receives 2,000 referrals (the clients a live program
holds) and the tables' statistics are taken again, as autovacuum would on a live database,
so no plan made for the empty seeded tables outlives the warm-up. Prints throughput and
p99 latency of both, then the ratio (plugin / baseline throughput). Target: at least 0.50.
Stops the server and drops the database at the end.

    .venv/bin/python benchmarks/intake.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import datetime as dt  # noqa: E402
import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402

from standardwebhooks import Webhook  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks.intake_host import BASELINE_SECRET, create_app  # noqa: E402
from tpm_plugin.access import roles_from_tpm_tables  # noqa: E402
from tpm_plugin.services import people  # noqa: E402
from tpm_plugin.services.intake import sources  # noqa: E402

TARGET = 0.50
CLIENTS = 4
WORKERS = 2
THREADS = 2
WARMUP_REQUESTS = 200
#: Referrals delivered before the statistics are taken and the rounds begin: the clients a
#: live program holds already (also the plugin's warm-up).
PRIOR_REFERRALS = 2000
REQUESTS_PER_ROUND = 1500
ROUNDS = 2
ROUND_TIME_CAP = 15.0
SOURCE_KEY = "bench-referrals"


def referral(number: int) -> str:
    """A referral of a different child each time (one family would be flagged as possible
    duplicates of itself, and the list would grow with the run)."""
    return json.dumps(
        {
            "client": {
                "first_name": "Ana",
                "last_name": f"Lima {number}",
                "date_of_birth": f"{2008 + number % 10}-{1 + number % 12:02d}-{1 + number % 28:02d}",
            },
            "guardian": {"phone": f"+1 555 {number:07d}"},
            "reason": "Withdrawn at school since moving.",
            "consent": {"guardian": True},
        }
    )


def seed(database_url: str) -> str:
    """A program and its Standard Webhooks source; returns the source's secret."""
    app = create_app(database_url)
    with app.test_request_context():
        program = people.create_program(key="bench", name="Benchmark", manager_user_ids=["1"])
        issued = sources.create_source(
            roles_from_tpm_tables("1"),
            {
                "key": SOURCE_KEY,
                "kind": "standard_webhooks",
                "program_id": program.id,
                "mapping": {
                    "first_name": "client.first_name",
                    "last_name": "client.last_name",
                    "date_of_birth": "client.date_of_birth",
                    "guardian_contact": "guardian.phone",
                    "referral_reason": "reason",
                    "consent_guardian": "consent.guardian",
                },
            },
        )
        app.extensions["sqlalchemy"].engine.dispose()
    return issued.secret


class Load:
    """Drives one intake endpoint; every request a new delivery id, freshly signed."""

    def __init__(self, port: int, path: str, secret: str, prefix: str) -> None:
        self.port, self.path, self.webhook, self.prefix = port, path, Webhook(secret), prefix
        self.numbers = itertools.count()

    def run(self, requests: int) -> harness.Result:
        """Send ``requests`` deliveries (fewer if :data:`ROUND_TIME_CAP` seconds pass first)."""
        return harness.drive(
            self.port, self.send, clients=CLIENTS, requests=requests, time_cap=ROUND_TIME_CAP
        )

    def send(self, connection: http.client.HTTPConnection, client: int) -> str | None:
        """Post one signed delivery; ``None`` when it was answered 201."""
        number = next(self.numbers)
        msg_id = f"{self.prefix}_{number}"
        body = referral(number)
        now = dt.datetime.now(dt.UTC)
        connection.request(
            "POST",
            self.path,
            body=body,
            headers={
                "Content-Type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": self.webhook.sign(msg_id, now, body),
            },
        )
        response = connection.getresponse()
        payload = response.read()
        return None if response.status == 201 else f"{response.status}: {payload[:200]!r}"


def main() -> None:
    with harness.own_database("tpm_bench_intake") as database_url:
        secret = seed(database_url)
        harness.analyze(database_url)
        host = "benchmarks.intake_host:create_app()"
        with harness.gunicorn(host, database_url, workers=WORKERS, threads=THREADS) as port:
            print(
                f"Standard Webhooks intake on PostgreSQL; gunicorn {WORKERS} workers x "
                f"{THREADS} threads on 127.0.0.1:{port}; {CLIENTS} keep-alive clients"
            )
            plugin = Load(port, f"/tpm/webhooks/intake/{SOURCE_KEY}", secret, "plugin")
            baseline = Load(port, "/baseline/intake", BASELINE_SECRET, "baseline")
            plugin.run(PRIOR_REFERRALS)
            baseline.run(WARMUP_REQUESTS)
            # Statistics as autovacuum keeps them on a live database, of tables that hold
            # referrals. Taken only after the seed (or after a few), they describe tables
            # too small to be worth an index: the plans PostgreSQL keeps per connection (its
            # foreign-key checks, the prepared duplicate check) then scan all clients
            # several times a delivery for the rest of the run, a cost growing with the run
            # until autovacuum happens to analyze them mid-round, which made the ratio swing
            # between runs. The baseline's insert reads no plan.
            harness.analyze(database_url)
            totals = harness.alternate(
                ROUNDS,
                {
                    "baseline": lambda: baseline.run(REQUESTS_PER_ROUND),
                    "plugin": lambda: plugin.run(REQUESTS_PER_ROUND),
                },
            )
    for failure in (totals["plugin"].failures + totals["baseline"].failures)[:5]:
        print(f"failed request: {failure}")
    harness.report(
        "baseline (verify the signature, insert one row, commit)", totals["baseline"], "deliveries"
    )
    harness.report(
        f"plugin (POST /tpm/webhooks/intake/{SOURCE_KEY}: client, partnership, intake record)",
        totals["plugin"],
        "deliveries",
    )
    harness.report_ratio(
        "intake", totals["plugin"].throughput / totals["baseline"].throughput, TARGET
    )


if __name__ == "__main__":
    main()
