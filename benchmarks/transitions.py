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
``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Python puts this script's folder first on the path, where this very file would shadow
# the ``transitions`` library the plugin imports; the host module is reached as
# ``benchmarks.transitions_host`` from the repository root instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tpm_plugin import migrate  # noqa: E402

DEFAULT_SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
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


@contextmanager
def bench_database(server_url: str) -> Iterator[str]:
    """A PostgreSQL database of this run's own, migrated to head; dropped afterwards."""
    name = f"tpm_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Seed:
    """What the load needs: who acts, and each kind's own partnerships."""

    manager_user: str
    plugin_ids: list[int]
    baseline_ids: list[int]


def seed(database_url: str) -> Seed:
    """One program and its people, and partnerships moved to identification, all through
    the plugin's services."""
    from benchmarks.transitions_host import create_app
    from tpm_plugin.access import roles_from_tpm_tables
    from tpm_plugin.services import partnerships, people, transitions

    app = create_app(database_url)
    manager_user = "1"
    with app.app_context(), app.test_request_context():
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
        ids = []
        for number in range(2 * PARTNERSHIPS_PER_KIND):
            client = people.create_person(
                manager,
                people.CLIENTS,
                {"program_id": program.id, "display_name": f"Client {number}"},
            )
            partnership = partnerships.create_partnership(
                manager,
                {
                    "program_id": program.id,
                    "client_id": client.id,
                    "partner_id": partner.id,
                    "supervisor_id": supervisor.id,
                },
            )
            transitions.transition(manager, partnership.id, "begin_identification")
            ids.append(partnership.id)
        app.extensions["sqlalchemy"].session.remove()
        app.extensions["sqlalchemy"].engine.dispose()
    half = len(ids) // 2
    return Seed(manager_user, plugin_ids=ids[:half], baseline_ids=ids[half:])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str) -> Iterator[int]:
    """The benchmark host under gunicorn on a free loopback port; stopped afterwards."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "gthread",
        "--threads",
        str(THREADS),
        "--bind",
        f"127.0.0.1:{port}",
        "--pythonpath",
        str(ROOT),
        "--log-level",
        "warning",
        "benchmarks.transitions_host:create_app()",
    ]
    env = dict(os.environ, TPM_BENCH_DATABASE_URL=database_url)
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_until_serving(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_serving(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}.")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/tpm/api/health")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /tpm/api/health within 30 seconds.")


@dataclass
class Result:
    """One kind's requests: latencies in seconds, wall time, and failures."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def add(self, other: Result) -> None:
        self.latencies += other.latencies
        self.seconds += other.seconds
        self.failures += other.failures

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


class Load:
    """Drives one endpoint with :data:`CLIENTS` keep-alive clients, each owning a share of
    the partnerships and remembering their stages."""

    def __init__(self, port: int, path: str, ids: list[int], user: str) -> None:
        self.port, self.path, self.user = port, path, user
        self.stages = dict.fromkeys(ids, "identification")
        self.shares = [ids[index::CLIENTS] for index in range(CLIENTS)]

    def run(self, requests: int, time_cap: float) -> Result:
        """Send ``requests`` transitions (fewer if ``time_cap`` seconds pass first)."""
        lock = threading.Lock()
        issued = [0]
        results = [Result() for _ in self.shares]
        deadline = time.monotonic() + time_cap

        def client(share: list[int], result: Result) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            turn = 0
            while time.monotonic() < deadline:
                with lock:
                    if issued[0] >= requests:
                        break
                    issued[0] += 1
                partnership_id = share[turn % len(share)]
                turn += 1
                connection = self._one(connection, partnership_id, result)
            connection.close()

        started = time.perf_counter()
        threads = [
            threading.Thread(target=client, args=(share, result))
            for share, result in zip(self.shares, results, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = Result(seconds=time.perf_counter() - started)
        for result in results:
            total.latencies += result.latencies
            total.failures += result.failures
        return total

    def _one(
        self, connection: http.client.HTTPConnection, partnership_id: int, result: Result
    ) -> http.client.HTTPConnection:
        trigger = NEXT_TRIGGER[self.stages[partnership_id]]
        body: dict[str, str] = {"trigger": trigger}
        if trigger == "put_on_hold":
            body["reason"] = "Benchmark pause."
        headers = {"Content-Type": "application/json", "X-Bench-User": self.user}
        start = time.perf_counter()
        try:
            connection.request(
                "POST",
                self.path.format(id=partnership_id),
                body=json.dumps(body),
                headers=headers,
            )
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as error:
            result.failures.append(f"{type(error).__name__}: {error}")
            connection.close()
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        elapsed = time.perf_counter() - start
        answer = json.loads(payload or b"{}")
        stage = answer.get("stage") or answer.get("error", {}).get("stage")
        if stage in NEXT_TRIGGER:
            self.stages[partnership_id] = stage
        if response.status == 200:
            result.latencies.append(elapsed)
        else:
            result.failures.append(f"{response.status}: {payload[:200]!r}")
        return connection


def report(name: str, result: Result) -> None:
    print(
        f"{name}: {len(result.latencies)} transitions in {result.seconds:.1f} s, "
        f"{result.throughput:.1f} req/s, p99 {result.p99 * 1000:.1f} ms"
        + (f", {len(result.failures)} failed" if result.failures else "")
    )


def main() -> None:
    server_url = os.environ.get("TPM_BENCH_SERVER_URL", DEFAULT_SERVER_URL)
    with bench_database(server_url) as database_url:
        data = seed(database_url)
        with gunicorn(database_url) as port:
            print(
                f"{2 * PARTNERSHIPS_PER_KIND} partnerships on PostgreSQL; gunicorn "
                f"{WORKERS} workers x {THREADS} threads on 127.0.0.1:{port}; "
                f"{CLIENTS} keep-alive clients"
            )
            plugin = Load(port, PLUGIN_PATH, data.plugin_ids, data.manager_user)
            baseline = Load(port, BASELINE_PATH, data.baseline_ids, data.manager_user)
            plugin.run(WARMUP_REQUESTS, ROUND_TIME_CAP)
            baseline.run(WARMUP_REQUESTS, ROUND_TIME_CAP)
            totals = {"plugin": Result(), "baseline": Result()}
            for round_number in range(ROUNDS):
                order = [("baseline", baseline), ("plugin", plugin)]
                for name, load in order if round_number % 2 == 0 else reversed(order):
                    totals[name].add(load.run(REQUESTS_PER_ROUND, ROUND_TIME_CAP))
    for failure in (totals["plugin"].failures + totals["baseline"].failures)[:5]:
        print(f"failed request: {failure}")
    report("baseline (SQLAlchemy Core: lock, update, audit, commit)", totals["baseline"])
    report("plugin (POST /tpm/api/partnerships/<id>/transitions)", totals["plugin"])
    ratio = totals["plugin"].throughput / totals["baseline"].throughput
    print(f"transitions: ratio {ratio:.2f} (target {TARGET:.2f})")


if __name__ == "__main__":
    main()
