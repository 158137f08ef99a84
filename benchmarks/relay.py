"""Outbox rows relayed per second against a raw ``enqueue_many`` of the same jobs.

Creates a PostgreSQL database of its own and writes outbox rows for partnerships entering a
stage (the plugin's own ``tpm.stage_entered`` job and payload). Then, in alternating rounds so
machine noise hits both alike:

* the plugin's relay (``relay_outbox``: claim a batch ``FOR UPDATE SKIP LOCKED``, check the job
  ids in Redis, ``enqueue_many``, mark the rows relayed, commit; batch after batch), and
* the raw baseline: the same jobs, same ids and arguments, handed to rq's ``enqueue_many`` in
  the same batch size, with no database at all.

Between rounds the rows are marked unrelayed again and the queue is emptied. Prints both
rates and the ratio (plugin / raw). Target: at least 0.50. Uses the Redis at
``TPM_BENCH_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) under a queue of its own,
whose keys it deletes at the end, and drops its database, whatever happens.

    .venv/bin/python benchmarks/relay.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import datetime as dt  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import redis  # noqa: E402
from flask import Flask  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy import update  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from tpm_plugin import TPM  # noqa: E402
from tpm_plugin.jobs.registry import job_function  # noqa: E402
from tpm_plugin.jobs.relay import relay_outbox  # noqa: E402
from tpm_plugin.models import OutboxMessage  # noqa: E402
from tpm_plugin.services._unit import unit_of_work  # noqa: E402
from tpm_plugin.services.outbox import add_to_outbox, job_id_for  # noqa: E402
from tpm_plugin.services.workflow_versions import STAGE_WORK_JOB  # noqa: E402

TARGET = 0.50
ROWS = 10_000
BATCH = 500
ROUNDS = 3
REDIS_URL = os.environ.get("TPM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def create_app(database_url: str, queue_name: str) -> Flask:
    """A bare host: Flask-SQLAlchemy and the plugin on real Redis."""
    app = Flask("relay_bench")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        TPM_REDIS_URL=REDIS_URL,
        TPM_QUEUE_NAME=queue_name,
        TPM_RELAY_BATCH_SIZE=BATCH,
    )
    TPM(app, SQLAlchemy(app))
    return app


def payload(number: int) -> dict[str, int | str]:
    """What the transition service writes for a partnership entering ``active``."""
    return {
        "partnership_id": number,
        "stage": "active",
        "workflow_key": "therapeutic_partnership",
        "workflow_version": 1,
        "entered_at": dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC).isoformat(),
    }


def seed() -> None:
    """``ROWS`` outbox rows, written through ``add_to_outbox`` as the services write them."""
    for start in range(0, ROWS, BATCH):
        with unit_of_work():
            for number in range(start, start + BATCH):
                add_to_outbox(STAGE_WORK_JOB, f"stage-entered-{number}-2", **payload(number))


def reset(app: Flask, connection: redis.Redis, queue_name: str) -> None:
    """Mark every row unrelayed and delete the queue and every job of it."""
    with unit_of_work() as unit:
        unit.session.execute(update(OutboxMessage).values(relayed_at=None))
    for key in connection.scan_iter(f"rq:*{queue_name}*", count=5000):
        connection.delete(key)


def relay_round() -> float:
    """Seconds the plugin's relay takes to hand every row to rq."""
    began = time.perf_counter()
    result = relay_outbox()
    seconds = time.perf_counter() - began
    assert result.enqueued == ROWS, result
    return seconds


def raw_round(app: Flask) -> float:
    """Seconds rq's ``enqueue_many`` takes for the same jobs, ids and batch size."""
    queue = app.extensions["tpm"].queue.queue
    function = job_function(STAGE_WORK_JOB)
    began = time.perf_counter()
    for start in range(0, ROWS, BATCH):
        queue.enqueue_many(
            [
                queue.prepare_data(
                    function,
                    kwargs=payload(number),
                    job_id=job_id_for(f"stage-entered-{number}-2"),
                )
                for number in range(start, start + BATCH)
            ]
        )
    seconds = time.perf_counter() - began
    assert queue.count == ROWS
    return seconds


def main() -> None:
    queue_name = f"tpm-bench-relay-{uuid.uuid4().hex[:8]}"
    connection = redis.Redis.from_url(REDIS_URL)
    with harness.own_database("tpm_bench_relay") as database_url:
        app = create_app(database_url, queue_name)
        try:
            with app.app_context():
                seed()
                times: dict[str, list[float]] = {"plugin": [], "raw": []}
                for _ in range(ROUNDS):
                    reset(app, connection, queue_name)
                    times["raw"].append(raw_round(app))
                    reset(app, connection, queue_name)
                    times["plugin"].append(relay_round())
                app.extensions["sqlalchemy"].engine.dispose()
        finally:
            for key in connection.scan_iter(f"rq:*{queue_name}*", count=5000):
                connection.delete(key)
            connection.srem("rq:queues", f"rq:queue:{queue_name}")
    raw, plugin = ROWS / min(times["raw"]), ROWS / min(times["plugin"])
    print(f"raw enqueue_many: {raw:,.0f} jobs/s (best of {ROUNDS}, {ROWS:,} jobs, {BATCH}/batch)")
    print(f"plugin relay:     {plugin:,.0f} rows/s (best of {ROUNDS}, same jobs and batches)")
    harness.report_ratio("relay", plugin / raw, TARGET)


if __name__ == "__main__":
    main()
