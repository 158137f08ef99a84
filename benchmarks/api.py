"""Throughput of ``GET {api}/partnerships?page_size=50`` against a raw SQL baseline, and the
cost of a program's fidelity.

Creates a PostgreSQL database of its own (127.0.0.1:5432, user postgres), migrates it, and
bulk-inserts 10,000 partnerships (9,000 in one program, 1,000 in a second one that also gets
12 weeks of meetings and supervision sessions). Serves a benchmark host app, defined in this
file, under gunicorn on a free loopback port. The host mounts the plugin and adds one route
of its own, ``GET /baseline/partnerships``, that answers the same page of rows as JSON from
one hand-written SQL query plus a count (no roles, no audit, no schemas).

A pool of keep-alive ``http.client`` threads drives both endpoints in alternating rounds
(so machine noise hits both alike), a fixed number of requests per round with a time cap.
Prints throughput and p99 latency of both, then times the fidelity of the 1,000-partnership
program over 12 weeks in-process and prints its SQL statement count. Ends with one line:

    api: ratio <plugin throughput / baseline throughput> (target 0.50)

Stops the server and drops the database, whatever happens.

    .venv/bin/python benchmarks/api.py
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this folder comes first on sys.path, and benchmarks/transitions.py would
# shadow the transitions library the plugin imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

from flask import Flask, Response, jsonify, request  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy import create_engine, event, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import DeclarativeBase  # noqa: E402

from tpm_plugin import TPM, migrate  # noqa: E402
from tpm_plugin.access import roles_from_tpm_tables  # noqa: E402
from tpm_plugin.models import (  # noqa: E402
    Client,
    Meeting,
    Partner,
    Partnership,
    Program,
    ProgramManager,
    SupervisionSession,
    Supervisor,
)

SERVER_URL = os.environ.get(
    "TPM_BENCH_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PARTNERSHIPS = 10_000
FIDELITY_PARTNERSHIPS = 1_000
WEEKS = 12
MANAGER = "1"
PAGE_SIZE = 50
WORKERS, THREADS = 2, 4
CLIENTS = 8
REQUESTS_PER_ROUND = 600
ROUNDS = 3
ROUND_CAP_SECONDS = 12.0
TARGET = 0.50
USER_HEADER = "X-Bench-User"


# --- the benchmark host (imported by gunicorn) ------------------------------------------------


class _HostBase(DeclarativeBase):
    pass


_db = SQLAlchemy(model_class=_HostBase)

_BASELINE_PAGE = text(
    "SELECT id, program_id, client_id, partner_id, supervisor_id, stage, held_from_stage, "
    "workflow_key, workflow_version, stage_entered_at, started_at, ended_at, version_id "
    "FROM tpm_partnerships ORDER BY id LIMIT :limit OFFSET :offset"
)
_BASELINE_COUNT = text("SELECT count(*) FROM tpm_partnerships")


def bench_app() -> Flask:
    """The benchmark host: the plugin, plus the raw baseline route (not part of the plugin)."""
    app = Flask("tpm_api_benchmark_host")
    app.config.update(SQLALCHEMY_DATABASE_URI=os.environ["TPM_BENCH_DATABASE_URL"])
    _db.init_app(app)
    tpm = TPM(app, _db)

    @tpm.actor_loader
    def user_from_header() -> str | None:
        return request.headers.get(USER_HEADER)

    @app.get("/baseline/partnerships")
    def baseline_partnerships() -> Response:
        page_size = min(int(request.args.get("page_size", 25)), 100)
        page = max(int(request.args.get("page", 1)), 1)
        with _db.engine.connect() as connection:
            total = connection.execute(_BASELINE_COUNT).scalar_one()
            rows = connection.execute(
                _BASELINE_PAGE, {"limit": page_size, "offset": (page - 1) * page_size}
            ).mappings()
            items = [
                {
                    key: value.isoformat() if isinstance(value, dt.datetime) else value
                    for key, value in row.items()
                }
                for row in rows
            ]
        return jsonify({"items": items, "page": page, "page_size": page_size, "total": total})

    return app


# --- database -----------------------------------------------------------------------------


@contextmanager
def own_database() -> Iterator[str]:
    """A migrated PostgreSQL database of this run's own, dropped afterwards."""
    name = f"tpm_bench_api_{uuid.uuid4().hex[:10]}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str) -> int:
    """Bulk-insert the partnerships, meetings and sessions; return the fidelity program id."""
    now = dt.datetime.now(dt.UTC)
    started = now - dt.timedelta(weeks=WEEKS + 2)
    engine = create_engine(url)
    with engine.begin() as connection:
        main_id, fidelity_id = (
            connection.execute(
                insert(Program).returning(Program.id),
                [
                    {"key": "main", "name": "Main", "timezone": "UTC"},
                    {"key": "fidelity", "name": "Fidelity", "timezone": "Europe/Oslo"},
                ],
            )
            .scalars()
            .all()
        )
        connection.execute(
            insert(ProgramManager),
            [
                {"program_id": main_id, "host_user_id": MANAGER},
                {"program_id": fidelity_id, "host_user_id": MANAGER},
            ],
        )
        programs = [main_id] * (PARTNERSHIPS - FIDELITY_PARTNERSHIPS) + [
            fidelity_id
        ] * FIDELITY_PARTNERSHIPS
        partners = {
            pid: connection.execute(
                insert(Partner).returning(Partner.id),
                [{"program_id": pid, "display_name": f"P{i}"} for i in range(100)],
            )
            .scalars()
            .all()
            for pid in (main_id, fidelity_id)
        }
        supervisors = {
            pid: connection.execute(
                insert(Supervisor).returning(Supervisor.id),
                [{"program_id": pid, "display_name": f"S{i}"} for i in range(10)],
            )
            .scalars()
            .all()
            for pid in (main_id, fidelity_id)
        }
        clients = (
            connection.execute(
                insert(Client).returning(Client.id, sort_by_parameter_order=True),
                [{"program_id": pid, "display_name": f"C{i}"} for i, pid in enumerate(programs)],
            )
            .scalars()
            .all()
        )
        partnership_ids = (
            connection.execute(
                insert(Partnership).returning(Partnership.id, sort_by_parameter_order=True),
                [
                    {
                        "program_id": pid,
                        "client_id": client_id,
                        "partner_id": partners[pid][i % 100],
                        "supervisor_id": supervisors[pid][i % 10],
                        "stage": "active",
                        "workflow_key": "therapeutic_partnership",
                        "workflow_version": 1,
                        "started_at": started,
                        "stage_entered_at": started,
                    }
                    for i, (pid, client_id) in enumerate(zip(programs, clients, strict=True))
                ],
            )
            .scalars()
            .all()
        )
        fidelity_partnerships = partnership_ids[-FIDELITY_PARTNERSHIPS:]
        meetings = [
            {
                "partnership_id": partnership_id,
                "scheduled_at": now - dt.timedelta(weeks=week, days=day, hours=i % 7),
                "status": ("held", "held", "cancelled", "no_show")[(i + week + day) % 4],
                "cancelled_by": "client" if (i + week + day) % 4 == 2 else None,
            }
            for i, partnership_id in enumerate(fidelity_partnerships)
            for week in range(WEEKS)
            for day in (0, 2, 4)
        ]
        connection.execute(insert(Meeting), meetings)
        connection.execute(
            insert(SupervisionSession),
            [
                {
                    "supervisor_id": supervisors[fidelity_id][i % 10],
                    "partner_id": partner_id,
                    "scheduled_at": now - dt.timedelta(weeks=week, days=1),
                    "scheduled_minutes": 200,
                    "status": "held",
                    "held_minutes": 180,
                }
                for i, partner_id in enumerate(partners[fidelity_id])
                for week in range(WEEKS)
            ],
        )
    engine.dispose()
    return fidelity_id


# --- server and load ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(url: str) -> Iterator[int]:
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
        "benchmarks.api:bench_app()",
    ]
    environment = {**os.environ, "TPM_BENCH_DATABASE_URL": url}
    process = subprocess.Popen(command, env=environment, cwd=ROOT)
    try:
        _wait_until_up(process, port)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen, port: int) -> None:
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
    """One endpoint's requests: latencies in seconds, wall time, and failures."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: int = 0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


def drive(port: int, path: str, requests: int, result: Result) -> None:
    """Send ``requests`` GETs to ``path`` from a pool of keep-alive clients (time-capped)."""
    remaining = iter(range(requests))
    lock = threading.Lock()
    deadline = time.monotonic() + ROUND_CAP_SECONDS
    headers = {USER_HEADER: MANAGER}

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            with lock:
                if next(remaining, None) is None:
                    break
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and len(json.loads(body)["items"]) == PAGE_SIZE
            except (OSError, http.client.HTTPException, ValueError):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            elapsed = time.perf_counter() - began
            with lock:
                if ok:
                    result.latencies.append(elapsed)
                else:
                    result.failures += 1
        connection.close()

    began = time.perf_counter()
    pool = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    result.seconds += time.perf_counter() - began


# --- fidelity -------------------------------------------------------------------------------


def time_fidelity(url: str, program_id: int) -> tuple[float, int, dict[str, Any]]:
    """Median seconds and SQL statements of the program's 12-week fidelity, in-process."""
    from tpm_plugin.services.fidelity import program_fidelity

    os.environ["TPM_BENCH_DATABASE_URL"] = url
    app = bench_app()
    timings: list[float] = []
    with app.app_context():
        engine = _db.engine
        statements: list[str] = []

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        actor = roles_from_tpm_tables(MANAGER)
        for _ in range(5):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            began = time.perf_counter()
            fidelity = program_fidelity(actor, program_id, weeks=WEEKS)
            timings.append(time.perf_counter() - began)
            event.remove(engine, "before_cursor_execute", count)
        _db.session.remove()
        engine.dispose()
    last = fidelity.weeks[-2]
    sample = {
        "target": last.meetings_target,
        "held": last.meetings_held,
        "owed": last.supervision_minutes_owed,
        "delivered": last.supervision_minutes_delivered,
    }
    return statistics.median(timings), len(statements), sample


def main() -> None:
    with own_database() as url:
        began = time.perf_counter()
        fidelity_program = seed(url)
        print(f"seeded {PARTNERSHIPS} partnerships in {time.perf_counter() - began:.1f}s")
        plugin, baseline = Result(), Result()
        plugin_path = f"/tpm/api/partnerships?page_size={PAGE_SIZE}"
        baseline_path = f"/baseline/partnerships?page_size={PAGE_SIZE}"
        with gunicorn(url) as port:
            drive(port, plugin_path, 100, Result())
            drive(port, baseline_path, 100, Result())
            for _ in range(ROUNDS):
                drive(port, baseline_path, REQUESTS_PER_ROUND, baseline)
                drive(port, plugin_path, REQUESTS_PER_ROUND, plugin)
        for name, result in (("baseline (raw SQL)", baseline), ("plugin list", plugin)):
            print(
                f"{name:>20}: {len(result.latencies)} requests, {result.failures} failed, "
                f"{result.throughput:.0f} req/s, p99 {result.p99_ms:.1f} ms"
            )
        seconds, statements, sample = time_fidelity(url, fidelity_program)
        print(
            f"program fidelity, {FIDELITY_PARTNERSHIPS} partnerships x {WEEKS} weeks: "
            f"{1000 * seconds:.0f} ms median, {statements} SQL statements "
            f"(last full week: {sample})"
        )
        if plugin.failures or baseline.failures:
            raise SystemExit("Some requests failed; the figures above are not comparable.")
    ratio = plugin.throughput / baseline.throughput if baseline.throughput else 0.0
    print(f"api: ratio {ratio:.2f} (target {TARGET:.2f})")


if __name__ == "__main__":
    main()
