"""The manager's pages against the JSON API calls that read the same data, in the same run.

Creates a PostgreSQL database of its own (127.0.0.1:5432, user postgres), migrates it, and
bulk-inserts one program of 2,000 partnerships spread over the workflow's stages (100
partners, 10 supervisors), one of which has 500 timeline entries (meetings, every fourth a
cancellation). Serves ``benchmarks/api_host.py`` (the plugin with its pages) under gunicorn
on a free loopback port and drives, in alternating rounds with a time cap:

* the board, ``GET /tpm/manager/programs/<id>/board`` (its first 100 partnerships, the
  counts of every stage and the names), beside ``GET /tpm/api/partnerships?program_id=<id>
  &page_size=100``;
* the partnership page, ``GET /tpm/manager/partnerships/<id>`` (the newest 100 of its 500
  entries, its plans and its change), beside ``GET /tpm/api/partnerships/<id>/timeline
  ?page_size=100``.

Prints throughput and p99 latency of each, and the SQL statements one board and one
partnership page cost. Ends with

    pages: ratio <API time per request / page time per request> (target 0.50)

over both pairs (each time the inverse of its throughput). Stops the server and drops the
database, whatever happens.

    .venv/bin/python benchmarks/pages.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import datetime as dt  # noqa: E402
import http.client  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import create_engine, event, insert  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks.api_host import create_app, db  # noqa: E402
from tpm_plugin.models import (  # noqa: E402
    Client,
    Meeting,
    Partner,
    Partnership,
    Program,
    ProgramManager,
    Supervisor,
)

PARTNERSHIPS = 2_000
TIMELINE_ENTRIES = 500
STAGES = ("referred", "identification", "planning", "active", "review", "closing", "on_hold")
MANAGER = "1"
WORKERS, THREADS = 2, 4
CLIENTS = 4
WARMUP_REQUESTS = 40
REQUESTS_PER_ROUND = 200
ROUNDS = 2
ROUND_CAP_SECONDS = 10.0
TARGET = 0.50


def seed(url: str) -> tuple[int, int]:
    """Bulk-insert the program and its partnerships; return the program's id and the id of
    the partnership with the long timeline."""
    now = dt.datetime.now(dt.UTC)
    started = now - dt.timedelta(weeks=30)
    engine = create_engine(url)
    with engine.begin() as connection:
        program_id = connection.execute(
            insert(Program).returning(Program.id),
            {"key": "pages", "name": "Pages", "timezone": "Europe/Madrid"},
        ).scalar_one()
        connection.execute(
            insert(ProgramManager), {"program_id": program_id, "host_user_id": MANAGER}
        )
        partners = _people(connection, Partner, program_id, 100, "Partner")
        supervisors = _people(connection, Supervisor, program_id, 10, "Supervisor")
        clients = _people(connection, Client, program_id, PARTNERSHIPS, "Client")
        rows = [
            {
                "program_id": program_id,
                "client_id": client_id,
                "partner_id": partners[i % len(partners)],
                "supervisor_id": supervisors[i % len(supervisors)],
                "stage": STAGES[i % len(STAGES)],
                "held_from_stage": "active" if STAGES[i % len(STAGES)] == "on_hold" else None,
                "workflow_key": "therapeutic_partnership",
                "workflow_version": 1,
                "started_at": started,
                "stage_entered_at": started + dt.timedelta(hours=i),
            }
            for i, client_id in enumerate(clients)
        ]
        partnership_ids = (
            connection.execute(
                insert(Partnership).returning(Partnership.id, sort_by_parameter_order=True),
                rows,
            )
            .scalars()
            .all()
        )
        lived = partnership_ids[STAGES.index("active")]
        connection.execute(
            insert(Meeting),
            [
                {
                    "partnership_id": lived,
                    "scheduled_at": now - dt.timedelta(hours=6 * n),
                    "status": "cancelled" if n % 4 == 3 else "held",
                    "cancelled_by": "client" if n % 4 == 3 else None,
                    "minutes": None if n % 4 == 3 else 40,
                }
                for n in range(TIMELINE_ENTRIES)
            ],
        )
    engine.dispose()
    return program_id, lived


def _people(connection: Any, model: Any, program_id: int, count: int, name: str) -> list[int]:
    return (
        connection.execute(
            insert(model).returning(model.id, sort_by_parameter_order=True),
            [{"program_id": program_id, "display_name": f"{name} {n}"} for n in range(count)],
        )
        .scalars()
        .all()
    )


def answered(path: str, content_type: str) -> harness.Send:
    """A request that GETs ``path`` as the manager and expects a 200 of ``content_type``."""

    def send(connection: http.client.HTTPConnection, client: int) -> str | None:
        connection.request("GET", path, headers={harness.USER_HEADER: MANAGER})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            return f"{path}: {response.status}: {body[:200]!r}"
        if not (response.getheader("Content-Type") or "").startswith(content_type):
            return f"{path}: answered {response.getheader('Content-Type')}"
        return None

    return send


def run(port: int, send: harness.Send, requests: int) -> harness.Result:
    """One round of ``requests`` requests made by ``send``."""
    return harness.drive(port, send, clients=CLIENTS, requests=requests, time_cap=ROUND_CAP_SECONDS)


def statements_of(url: str, path: str) -> int:
    """SQL statements of one request to ``path``, in-process (after one to warm the caches)."""
    app = create_app(url)
    client = app.test_client()
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

        def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        client.get(path, headers={harness.USER_HEADER: MANAGER})
        event.listen(engine, "before_cursor_execute", count)
        client.get(path, headers={harness.USER_HEADER: MANAGER})
        event.remove(engine, "before_cursor_execute", count)
        db.session.remove()
        engine.dispose()
    return len(statements)


def main() -> None:
    with harness.own_database("tpm_bench_pages") as url:
        began = time.perf_counter()
        program_id, lived = seed(url)
        harness.analyze(url)
        print(f"seeded {PARTNERSHIPS} partnerships in {time.perf_counter() - began:.1f}s")
        kinds = {
            "board page": answered(f"/tpm/manager/programs/{program_id}/board", "text/html"),
            "board API": answered(
                f"/tpm/api/partnerships?program_id={program_id}&page_size=100",
                "application/json",
            ),
            "partnership page": answered(f"/tpm/manager/partnerships/{lived}", "text/html"),
            "timeline API": answered(
                f"/tpm/api/partnerships/{lived}/timeline?page_size=100", "application/json"
            ),
        }
        with harness.gunicorn(
            "benchmarks.api_host:create_app()", url, workers=WORKERS, threads=THREADS
        ) as port:
            for send in kinds.values():
                run(port, send, WARMUP_REQUESTS)
            totals = harness.alternate(
                ROUNDS,
                {
                    name: (lambda send=send: run(port, send, REQUESTS_PER_ROUND))
                    for name, send in kinds.items()
                },
            )
        failures = [failure for result in totals.values() for failure in result.failures]
        for failure in failures[:5]:
            print(f"failed request: {failure}")
        for name, result in totals.items():
            harness.report(name, result)
        board = statements_of(url, f"/tpm/manager/programs/{program_id}/board")
        print(f"SQL statements per board page: {board}")
        page = statements_of(url, f"/tpm/manager/partnerships/{lived}")
        print(f"SQL statements per partnership page: {page}")
        if failures:
            raise SystemExit("Some requests failed; the figures above are not comparable.")
    api_time = sum(1 / totals[name].throughput for name in ("board API", "timeline API"))
    page_time = sum(1 / totals[name].throughput for name in ("board page", "partnership page"))
    harness.report_ratio("pages", api_time / page_time, TARGET)


if __name__ == "__main__":
    main()
