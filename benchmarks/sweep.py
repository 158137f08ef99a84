"""The sweep against a raw baseline: 100,000 partnerships in an owing stage, about one in
seven with a reminder due in the next 24 hours.

Creates a PostgreSQL database of its own and a throwaway ``redis-server`` on a free port
(never a shared Redis: every round starts from a flushed one). Seeds one program, its
people and 100,000 partnerships in the ``active`` stage (the first through the plugin's
services, which publishes the workflow version; the rest by ``INSERT … SELECT``), each with
one scheduled meeting; partnership *n*'s meeting is ``25 h 30 min + (n mod 7)`` days ahead,
so one in seven has its 24-hour reminder inside the sweep's 24-hour horizon.

Each round flushes Redis and times, in turn:

* **baseline**: one indexed ``SELECT`` of the scheduled meetings in the window and one
  pipelined booking of the same reminders (the same rq job each, with its retry policy, on rq's
  scheduled registry, one ``EXECUTE``): the least any sweep must do;
* **plugin**: :func:`tpm_plugin.jobs.sweep.sweep`, in batches of ``TPM_SWEEP_BATCH_SIZE``
  partnerships, with everything it checks besides (open partnerships, uncorrected meetings,
  guardians, nudges, reviews due, the send ledger, jobs already booked).

Both book the same job count (checked). Then it sweeps a database of 10,000 and one of
100,000 partnerships, each in a fresh process, and prints their peak RSS: memory is bounded
by the batch, so they stay within 10 % of each other. Ends with one line:

    sweep: ratio <baseline time / plugin time> (target 0.50)

    .venv/bin/python benchmarks/sweep.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# As a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import datetime as dt  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import redis  # noqa: E402
from flask import Flask  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from rq import Retry  # noqa: E402
from rq.job import JobStatus  # noqa: E402
from sqlalchemy import create_engine, func, insert, literal, select, update  # noqa: E402
from sqlalchemy.orm import DeclarativeBase  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks.transitions import open_partnerships  # noqa: E402
from tpm_plugin import TPM  # noqa: E402
from tpm_plugin.jobs.registry import job_function  # noqa: E402
from tpm_plugin.jobs.sweep import sweep  # noqa: E402
from tpm_plugin.models import Client, Meeting, Partnership, utcnow  # noqa: E402
from tpm_plugin.services.outbox import job_id_for  # noqa: E402
from tpm_plugin.services.rhythm.due import MEETING_REMINDER_JOB  # noqa: E402

PARTNERSHIPS = 100_000
SMALL = 10_000
ROUNDS = 3
TARGET = 0.50
#: Peak RSS of the large sweep may exceed the small one's by at most this much.
RSS_TOLERANCE = 0.10
MANAGER = "1"


class _Base(DeclarativeBase):
    pass


def create_app(database_url: str, redis_url: str) -> Flask:
    """A plain host with the plugin mounted on ``database_url`` and ``redis_url``."""
    app = Flask("tpm_sweep_benchmark")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        TPM_REDIS_URL=redis_url,
        TPM_QUEUE_NAME="bench",
    )
    db = SQLAlchemy(model_class=_Base)
    db.init_app(app)
    TPM(app, db)
    return app


def seed(app: Flask, database_url: str, count: int, now: dt.datetime) -> None:
    """``count`` active partnerships, each with one meeting ahead (see the module doc)."""
    with app.test_request_context():
        (first,) = open_partnerships(MANAGER, 1)
    number = func.generate_series(1, count - 1).column_valued("n")
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            insert(Client).from_select(
                ["program_id", "display_name"],
                select(literal(first.program_id), func.concat("Client ", number)),
            )
        )
        columns = ["program_id", "client_id", "partner_id", "supervisor_id", "workflow_key"]
        connection.execute(
            insert(Partnership).from_select(
                [*columns, "workflow_version", "stage", "started_at", "stage_entered_at"],
                select(
                    literal(first.program_id),
                    Client.id,
                    literal(first.partner_id),
                    literal(first.supervisor_id),
                    literal(first.workflow_key),
                    literal(first.workflow_version),
                    literal("active"),
                    literal(now),
                    literal(now),
                )
                .where(Client.program_id == first.program_id, Client.id != first.client_id)
                .order_by(Client.id),
            )
        )
        connection.execute(
            update(Partnership).where(Partnership.id == first.id).values(stage="active")
        )
        starts = literal(now) + func.make_interval(0, 0, 0, Partnership.id % 7, 25, 30)
        connection.execute(
            insert(Meeting).from_select(
                ["partnership_id", "scheduled_at", "status", "activities_done", "created_at"],
                select(
                    Partnership.id,
                    starts,
                    literal("scheduled"),
                    literal([], Meeting.activities_done.type),
                    literal(now),
                ),
            )
        )
    engine.dispose()
    harness.analyze(database_url)


def baseline(app: Flask, now: dt.datetime, horizon: dt.timedelta) -> int:
    """One indexed SELECT of the meetings whose 24-hour reminder is due, one pipelined
    booking of those reminders."""
    state = app.extensions["tpm"]
    with app.app_context():
        queue = state.queue.queue
        rows = state.db.session.execute(
            select(Meeting.id, Meeting.scheduled_at).where(
                Meeting.status == "scheduled",
                Meeting.scheduled_at > now,
                Meeting.scheduled_at <= now + horizon + dt.timedelta(days=1),
            )
        ).all()
        state.db.session.rollback()
        function = job_function(MEETING_REMINDER_JOB)
        intervals = list(app.config["TPM_JOB_RETRY_INTERVALS"])
        retry = Retry(max=len(intervals), interval=intervals)
        with state.queue.connection.pipeline(transaction=False) as pipeline:
            for meeting_id, starts_at in rows:
                key = f"reminder-{meeting_id}-1440m"
                job = queue.create_job(
                    function,
                    kwargs={"meeting_id": meeting_id, "lead_minutes": 1440},
                    job_id=job_id_for(key),
                    description=f"{MEETING_REMINDER_JOB} {key}",
                    retry=retry,
                    status=JobStatus.SCHEDULED,
                )
                queue.schedule_job(job, starts_at - dt.timedelta(days=1), pipeline=pipeline)
            pipeline.execute()
    return len(rows)


def plugin(app: Flask, now: dt.datetime) -> int:
    """The plugin's sweep; returns the jobs it booked."""
    with app.app_context():
        return sweep(now=now).booked


@contextmanager
def throwaway_redis() -> Iterator[tuple[str, redis.Redis]]:
    """A redis-server of this run's own on a free port, killed at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("The sweep benchmark needs redis-server (Debian package 'redis-server').")
    port = harness.free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    connection = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                connection.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        yield url, connection
    finally:
        process.kill()
        process.wait()


def peak_rss(count: int, now: dt.datetime) -> int:
    """Peak RSS (KiB) of a fresh process that sweeps a fresh database of ``count``."""
    with (
        harness.own_database("tpm_bench_sweep_rss") as database_url,
        throwaway_redis() as (
            redis_url,
            _,
        ),
    ):
        seed(create_app(database_url, redis_url), database_url, count, now)
        child = subprocess.run(
            [sys.executable, __file__, "--sweep-once", database_url, redis_url, now.isoformat()],
            check=True,
            capture_output=True,
            text=True,
        )
    return int(child.stdout.split()[-1])


def _sweep_once(database_url: str, redis_url: str, now: str) -> None:
    app = create_app(database_url, redis_url)
    booked = plugin(app, dt.datetime.fromisoformat(now))
    print(booked, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    now = utcnow().replace(microsecond=0)
    horizon = dt.timedelta(hours=24)
    with (
        harness.own_database("tpm_bench_sweep") as database_url,
        throwaway_redis() as (
            redis_url,
            connection,
        ),
    ):
        app = create_app(database_url, redis_url)
        started = time.perf_counter()
        seed(app, database_url, PARTNERSHIPS, now)
        print(f"seeded {PARTNERSHIPS} partnerships in {time.perf_counter() - started:.1f} s")
        timings: dict[str, list[float]] = {"baseline": [], "plugin": []}
        booked: dict[str, int] = {}
        for _ in range(ROUNDS):
            for name, run in (
                ("baseline", lambda: baseline(app, now, horizon)),
                ("plugin", lambda: plugin(app, now)),
            ):
                connection.flushall()
                started = time.perf_counter()
                booked[name] = run()
                timings[name].append(time.perf_counter() - started)
        if booked["baseline"] != booked["plugin"]:
            raise SystemExit(
                f"baseline booked {booked['baseline']} jobs, the sweep {booked['plugin']}"
            )
        base, mine = (statistics.median(timings[name]) for name in ("baseline", "plugin"))
        print(f"due in the next 24 h: {booked['plugin']} of {PARTNERSHIPS} partnerships")
        print(f"baseline (SELECT + pipelined booking): {base:.2f} s (median of {ROUNDS})")
        print(f"plugin sweep:                          {mine:.2f} s (median of {ROUNDS})")
    small, large = peak_rss(SMALL, now), peak_rss(PARTNERSHIPS, now)
    growth = large / small - 1
    print(f"peak RSS sweeping {SMALL:>7,} partnerships: {small / 1024:.1f} MiB")
    print(
        f"peak RSS sweeping {PARTNERSHIPS:>7,} partnerships: {large / 1024:.1f} MiB ({growth:+.1%})"
    )
    if growth > RSS_TOLERANCE:
        print(f"memory: NOT bounded by the batch (more than {RSS_TOLERANCE:.0%} growth)")
    harness.report_ratio("sweep", base / mine, TARGET)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--sweep-once":
        _sweep_once(*sys.argv[2:])
    else:
        main()
