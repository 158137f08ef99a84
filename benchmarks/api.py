"""Throughput of ``GET {api}/partnerships?page_size=50`` against a raw SQL baseline, and the
cost of a program's fidelity.

Creates a PostgreSQL database of its own (127.0.0.1:5432, user postgres), migrates it, and
bulk-inserts 10,000 partnerships (9,000 in one program, 1,000 in a second one that also gets
12 weeks of meetings and supervision sessions). Serves ``benchmarks/api_host.py`` under
gunicorn on a free loopback port. The host mounts the plugin and adds one route of its own,
``GET /baseline/partnerships``, that answers the same page of rows as JSON from one
hand-written SQL query plus a count (no roles, no audit, no schemas).

A pool of keep-alive ``http.client`` threads drives both endpoints in alternating rounds
(so machine noise hits both alike), a fixed number of requests per round with a time cap.
Prints throughput and p99 latency of both, then times the fidelity of the 1,000-partnership
program over 12 weeks in-process and prints its SQL statement count. Ends with one line:

    api: ratio <plugin throughput / baseline throughput> (target 0.60)

Stops the server and drops the database, whatever happens.

    .venv/bin/python benchmarks/api.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import datetime as dt  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import create_engine, event, insert  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks.api_host import create_app, db  # noqa: E402
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

PARTNERSHIPS = 10_000
FIDELITY_PARTNERSHIPS = 1_000
WEEKS = 12
MANAGER = "1"
PAGE_SIZE = 50
WORKERS, THREADS = 2, 4
CLIENTS = 8
WARMUP_REQUESTS = 100
REQUESTS_PER_ROUND = 600
ROUNDS = 3
ROUND_CAP_SECONDS = 12.0
TARGET = 0.60
PLUGIN_PATH = f"/tpm/api/partnerships?page_size={PAGE_SIZE}"
BASELINE_PATH = f"/baseline/partnerships?page_size={PAGE_SIZE}"


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


def page_of(path: str) -> harness.Send:
    """A request that GETs ``path`` as the manager and expects a full page of items."""

    def send(connection: http.client.HTTPConnection, client: int) -> str | None:
        connection.request("GET", path, headers={harness.USER_HEADER: MANAGER})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return f"{response.status}: {body[:200]!r}"
        try:
            items = json.loads(body)["items"]
        except (ValueError, KeyError):
            return f"not a page: {body[:200]!r}"
        return None if len(items) == PAGE_SIZE else f"{len(items)} items, not {PAGE_SIZE}"

    return send


def run(port: int, path: str, requests: int) -> harness.Result:
    """One round of ``requests`` GETs to ``path``."""
    return harness.drive(
        port, page_of(path), clients=CLIENTS, requests=requests, time_cap=ROUND_CAP_SECONDS
    )


def time_fidelity(url: str, program_id: int) -> tuple[float, int, dict[str, Any]]:
    """Median seconds and SQL statements of the program's 12-week fidelity, in-process."""
    from tpm_plugin.services.fidelity import program_fidelity

    app = create_app(url)
    timings: list[float] = []
    with app.app_context():
        engine = db.engine
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
        db.session.remove()
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
    with harness.own_database("tpm_bench_api") as url:
        began = time.perf_counter()
        fidelity_program = seed(url)
        harness.analyze(url)
        print(f"seeded {PARTNERSHIPS} partnerships in {time.perf_counter() - began:.1f}s")
        with harness.gunicorn(
            "benchmarks.api_host:create_app()", url, workers=WORKERS, threads=THREADS
        ) as port:
            run(port, PLUGIN_PATH, WARMUP_REQUESTS)
            run(port, BASELINE_PATH, WARMUP_REQUESTS)
            totals = harness.alternate(
                ROUNDS,
                {
                    "baseline": lambda: run(port, BASELINE_PATH, REQUESTS_PER_ROUND),
                    "plugin": lambda: run(port, PLUGIN_PATH, REQUESTS_PER_ROUND),
                },
            )
        for failure in (totals["plugin"].failures + totals["baseline"].failures)[:5]:
            print(f"failed request: {failure}")
        harness.report("baseline (raw SQL)", totals["baseline"])
        harness.report(f"plugin (GET {PLUGIN_PATH})", totals["plugin"])
        seconds, statements, sample = time_fidelity(url, fidelity_program)
        print(
            f"program fidelity, {FIDELITY_PARTNERSHIPS} partnerships x {WEEKS} weeks: "
            f"{1000 * seconds:.0f} ms median, {statements} SQL statements "
            f"(last full week: {sample})"
        )
        if totals["plugin"].failures or totals["baseline"].failures:
            raise SystemExit("Some requests failed; the figures above are not comparable.")
    ratio = totals["plugin"].throughput / totals["baseline"].throughput
    harness.report_ratio("api", ratio, TARGET)


if __name__ == "__main__":
    main()
