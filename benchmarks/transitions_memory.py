"""Memory stays flat across 100,000 partnerships on one workflow version (no machine per row).

Creates a PostgreSQL database of its own and puts 100,000 partnerships on version 1 of the
shipped workflow into it: the program, its people and the first partnership through the
plugin's services (which publishes the version), the other 99,999 clients and partnerships
by SQLAlchemy Core ``INSERT … SELECT`` in the database. Then, in-process, it walks a random sample spread over all
100,000 in batches of 100, each batch in a request context of its own (so the session is
removed between batches, as after a request): for each partnership it asks the plugin what
the manager may do now (``services.transitions.available``) and fires
``begin_identification`` through the version's machine.

The Python heap is measured with ``tracemalloc`` (traced from before the plugin is imported,
after a full garbage collection) once 1,000 partnerships have been touched, which is the
baseline, and again after the whole sample; the number of machines the app has cached is
printed beside them. Ends with one line:

    transitions_memory: ratio <heap after the sample / heap after 1,000> (target 1.10)

Drops the database at the end, whatever happens.

    .venv/bin/python benchmarks/transitions_memory.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import tracemalloc  # noqa: E402

# Started before the plugin and its libraries are imported, so the figures are the whole heap.
tracemalloc.start()

import gc  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, func, insert, literal, select  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks.transitions import open_partnerships  # noqa: E402
from benchmarks.transitions_host import create_app  # noqa: E402
from tpm_plugin.access import roles_from_tpm_tables  # noqa: E402
from tpm_plugin.models import Client, Partnership  # noqa: E402
from tpm_plugin.services import transitions  # noqa: E402

PARTNERSHIPS = 100_000
#: How many partnerships the walk touches; at about 10 ms a touch (two transactions, traced
#: allocations) the whole table would take far longer than a benchmark should.
TOUCHED = 10_000
BASELINE_TOUCHED = 1_000
BATCH = 100
TRIGGER = "begin_identification"
MANAGER = "1"
TARGET = 1.10
MIB = 1024 * 1024


@dataclass(frozen=True)
class Seed:
    """The partnerships' ids and the version they all run on."""

    ids: list[int]
    workflow_key: str
    workflow_version: int


def seed(app: Flask, database_url: str) -> Seed:
    """One program, its people and :data:`PARTNERSHIPS` partnerships on one version, at
    its start stage."""
    with app.test_request_context():
        (first,) = open_partnerships(MANAGER, 1)
    # Server-side INSERT … SELECT over generate_series: 100,000 rows in seconds, and none of
    # them built in this process, whose heap is being traced.
    number = func.generate_series(1, PARTNERSHIPS - 1).column_valued("n")
    others = Client.program_id == first.program_id, Client.id != first.client_id
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            insert(Client).from_select(
                ["program_id", "display_name"],
                select(literal(first.program_id), func.concat("Client ", number)),
            )
        )
        connection.execute(
            insert(Partnership).from_select(
                [
                    "program_id",
                    "client_id",
                    "partner_id",
                    "supervisor_id",
                    "stage",
                    "workflow_key",
                    "workflow_version",
                    "started_at",
                    "stage_entered_at",
                ],
                select(
                    literal(first.program_id),
                    Client.id,
                    literal(first.partner_id),
                    literal(first.supervisor_id),
                    literal(first.stage),
                    literal(first.workflow_key),
                    literal(first.workflow_version),
                    literal(first.started_at),
                    literal(first.stage_entered_at),
                )
                .where(*others)
                .order_by(Client.id),
            )
        )
        ids = (
            connection.execute(
                select(Partnership.id)
                .where(Partnership.program_id == first.program_id)
                .order_by(Partnership.id)
            )
            .scalars()
            .all()
        )
    engine.dispose()
    return Seed(ids, first.workflow_key, first.workflow_version)


def touch(app: Flask, batch: list[int]) -> None:
    """As one request would: ask what the manager may do now, then move each partnership on."""
    with app.test_request_context():
        manager = roles_from_tpm_tables(MANAGER)
        for partnership_id in batch:
            options = transitions.available(manager, partnership_id)
            if TRIGGER not in {option.trigger for option in options.available}:
                raise RuntimeError(f"Partnership {partnership_id} does not offer {TRIGGER}.")
            transitions.transition(manager, partnership_id, TRIGGER)


def heap() -> int:
    """Bytes of Python heap in use, after a full collection."""
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def main() -> None:
    with harness.own_database("tpm_bench_memory") as database_url:
        app = create_app(database_url)
        began = time.perf_counter()
        data = seed(app, database_url)
        print(
            f"seeded {len(data.ids):,} partnerships on {data.workflow_key} "
            f"v{data.workflow_version} in {time.perf_counter() - began:.1f} s"
        )
        sample = random.Random(0).sample(data.ids, TOUCHED)
        del data
        began = time.perf_counter()
        for start in range(0, TOUCHED, BATCH):
            touch(app, sample[start : start + BATCH])
            if start + BATCH == BASELINE_TOUCHED:
                baseline = heap()
        after = heap()
        seconds = time.perf_counter() - began
        machines = len(app.extensions["tpm"].machines)
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
    print(
        f"touched {TOUCHED:,} of {PARTNERSHIPS:,} partnerships (a random sample spread over "
        f"all) in {seconds:.1f} s: available() then {TRIGGER}, {BATCH} per request context"
    )
    print(
        f"memory after {BASELINE_TOUCHED:,}: {baseline / MIB:.1f} MiB; "
        f"after {TOUCHED:,}: {after / MIB:.1f} MiB "
        f"({round((after - baseline) / 1024):+,} KiB); machines cached: {machines}"
    )
    harness.report_ratio("transitions_memory", after / baseline, TARGET)


if __name__ == "__main__":
    main()
