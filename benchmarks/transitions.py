"""Throughput of ``POST {api}/partnerships/<id>/transitions`` against a raw baseline.

Creates a PostgreSQL database of its own, migrates it, seeds partnerships through the
services, and serves ``benchmarks/transitions_host.py`` under a real gunicorn (2 workers,
2 threads each) on a free loopback port. A pool of keep-alive HTTP clients then drives, in
alternating rounds so machine noise hits both alike:

* the plugin's transition endpoint, and
* the host's baseline endpoint, which does the same change by hand in SQLAlchemy Core
  (``SELECT … FOR UPDATE``, update the stage, insert the audit row, commit).

Each client owns its partnerships and alternates them between ``identification`` and
``on_hold`` (``put_on_hold`` with a reason, then ``resume_identification``, whose guard
checks the stage it was held from), so every request is a real transition and none waits
on another's lock. Prints throughput and p99 latency of both, then the ratio
(plugin / baseline throughput). Target: at least 0.60. Stops the server and drops the
database at the end, whatever happens.

    .venv/bin/python benchmarks/transitions.py

``TPM_BENCH_SERVER_URL`` names the PostgreSQL server (default:
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import http.client  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks.transitions_host import create_app  # noqa: E402
from tpm_plugin.access import roles_from_tpm_tables  # noqa: E402
from tpm_plugin.models import Partnership  # noqa: E402
from tpm_plugin.services import partnerships, people, transitions  # noqa: E402

TARGET = 0.60
PARTNERSHIPS_PER_KIND = 32
CLIENTS = 4
WORKERS = 2
THREADS = 2
WARMUP_REQUESTS = 200
REQUESTS_PER_ROUND = 1500
ROUNDS = 2
ROUND_TIME_CAP = 15.0
PLUGIN_PATH = "/tpm/api/partnerships/{id}/transitions"
BASELINE_PATH = "/baseline/partnerships/{id}/transitions"
NEXT_TRIGGER = {"identification": "put_on_hold", "on_hold": "resume_identification"}


@dataclass(frozen=True)
class Seed:
    """What the load needs: who acts, and each kind's own partnerships."""

    manager_user: str
    plugin_ids: list[int]
    baseline_ids: list[int]


def open_partnerships(manager_user: str, count: int) -> list[Partnership]:
    """A program managed by ``manager_user``, a partner and a supervisor, and ``count``
    clients each in a partnership with them at the workflow's start stage, all through the
    plugin's services (so the shipped workflow's version 1 is published). Call it in a
    request context; the partnerships come back detached, their columns loaded."""
    program = people.create_program(
        key="bench", name="Benchmark program", manager_user_ids=[manager_user]
    )
    manager = roles_from_tpm_tables(manager_user)
    partner = people.create_person(
        manager,
        people.PARTNERS,
        {"program_id": program.id, "display_name": "Partner", "host_user_id": "2"},
    )
    supervisor = people.create_person(
        manager,
        people.SUPERVISORS,
        {"program_id": program.id, "display_name": "Supervisor", "host_user_id": "3"},
    )
    opened = []
    for number in range(count):
        client = people.create_person(
            manager, people.CLIENTS, {"program_id": program.id, "display_name": f"Client {number}"}
        )
        opened.append(
            partnerships.create_partnership(
                manager,
                {
                    "program_id": program.id,
                    "client_id": client.id,
                    "partner_id": partner.id,
                    "supervisor_id": supervisor.id,
                },
            )
        )
    return opened


def seed(database_url: str) -> Seed:
    """Partnerships moved to identification through the plugin's services, half for each
    kind of request."""
    app = create_app(database_url)
    manager_user = "1"
    with app.test_request_context():
        opened = open_partnerships(manager_user, 2 * PARTNERSHIPS_PER_KIND)
        manager = roles_from_tpm_tables(manager_user)
        for partnership in opened:
            transitions.transition(manager, partnership.id, "begin_identification")
        app.extensions["sqlalchemy"].engine.dispose()
    ids = [partnership.id for partnership in opened]
    half = len(ids) // 2
    return Seed(manager_user, plugin_ids=ids[:half], baseline_ids=ids[half:])


class Load:
    """Drives one transition endpoint with :data:`CLIENTS` keep-alive clients, each owning a
    share of the partnerships and remembering their stages."""

    def __init__(self, port: int, path: str, ids: list[int], user: str) -> None:
        self.port, self.path, self.user = port, path, user
        self.stages = dict.fromkeys(ids, "identification")
        self.turns = [itertools.cycle(ids[index::CLIENTS]) for index in range(CLIENTS)]

    def run(self, requests: int) -> harness.Result:
        """Send ``requests`` transitions (fewer if :data:`ROUND_TIME_CAP` seconds pass first)."""
        return harness.drive(
            self.port, self.send, clients=CLIENTS, requests=requests, time_cap=ROUND_TIME_CAP
        )

    def send(self, connection: http.client.HTTPConnection, client: int) -> str | None:
        """Move the client's next partnership to its other stage; ``None`` when it moved."""
        partnership_id = next(self.turns[client])
        trigger = NEXT_TRIGGER[self.stages[partnership_id]]
        body: dict[str, str] = {"trigger": trigger}
        if trigger == "put_on_hold":
            body["reason"] = "Benchmark pause."
        connection.request(
            "POST",
            self.path.format(id=partnership_id),
            body=json.dumps(body),
            headers={"Content-Type": "application/json", harness.USER_HEADER: self.user},
        )
        response = connection.getresponse()
        payload = response.read()
        answer = json.loads(payload or b"{}")
        stage = answer.get("stage") or answer.get("error", {}).get("stage")
        if stage in NEXT_TRIGGER:
            self.stages[partnership_id] = stage
        return None if response.status == 200 else f"{response.status}: {payload[:200]!r}"


def main() -> None:
    with harness.own_database("tpm_bench_transitions") as database_url:
        data = seed(database_url)
        harness.analyze(database_url)
        host = "benchmarks.transitions_host:create_app()"
        with harness.gunicorn(host, database_url, workers=WORKERS, threads=THREADS) as port:
            print(
                f"{2 * PARTNERSHIPS_PER_KIND} partnerships on PostgreSQL; gunicorn "
                f"{WORKERS} workers x {THREADS} threads on 127.0.0.1:{port}; "
                f"{CLIENTS} keep-alive clients"
            )
            plugin = Load(port, PLUGIN_PATH, data.plugin_ids, data.manager_user)
            baseline = Load(port, BASELINE_PATH, data.baseline_ids, data.manager_user)
            plugin.run(WARMUP_REQUESTS)
            baseline.run(WARMUP_REQUESTS)
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
        "baseline (SQLAlchemy Core: lock, update, audit, commit)",
        totals["baseline"],
        "transitions",
    )
    harness.report(
        "plugin (POST /tpm/api/partnerships/<id>/transitions)", totals["plugin"], "transitions"
    )
    harness.report_ratio(
        "transitions", totals["plugin"].throughput / totals["baseline"].throughput, TARGET
    )


if __name__ == "__main__":
    main()
