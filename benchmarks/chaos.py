"""A simulated week of a center while rq workers are killed and Redis restarts: nothing due
is lost, nothing is sent twice.

Creates a PostgreSQL database of its own and a throwaway ``redis-server`` on a free port
(never a shared Redis). Seeds a Chicago program with 200 partnerships (default) in the
``active`` stage, each with three preferred weekly times, a partner and supervisor with a
contact, a quarter of the clients minors whose guardians the program reminds, and reviews
falling due during the week; the week's meetings are planned from the preferred times. The
week is the one in which Chicago's clocks spring forward.

Then it runs the week on a simulated clock (``TPM_CLOCK`` read from a file every process
shares) in half-hour steps: each step sweeps (horizon 0: jobs are booked when due) and waits
until the workers have run everything booked. Meanwhile a random worker process group is
SIGKILLed every few seconds (and restarted), and Redis is killed and restarted twice (it
keeps nothing: every queued job is gone). A step ends only when no job is queued or started
and no due job is left taken by a worker or unbooked (:mod:`benchmarks._settle`); jobs a
killed worker abandoned are retried by rq's own ``StartedJobRegistry.cleanup`` or booked
again by a sweep at the same instant, as a worker's maintenance and the next periodic sweep
would, before the clock moves.

Workers deliver through a recording notifier that appends one line per delivery. At the
end, "due" is every notification (kind, recipient, occurrence) the sweeps found due,
"lost" those never delivered, and "duplicated" every delivery beyond the first of one
notification. Ends with one line, both counts 0:

    chaos: <lost> lost, <duplicated> duplicated of <due> due

    .venv/bin/python benchmarks/chaos.py [--partnerships N] [--days D] [--seed S]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

import redis  # noqa: E402
from flask import Flask  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from sqlalchemy import update  # noqa: E402
from sqlalchemy.orm import DeclarativeBase  # noqa: E402

from benchmarks import _harness as harness  # noqa: E402
from benchmarks._settle import recover, work_left  # noqa: E402
from tpm_plugin import TPM  # noqa: E402
from tpm_plugin.access import roles_from_tpm_tables  # noqa: E402
from tpm_plugin.jobs.sweep import plan_coming_week, sweep  # noqa: E402
from tpm_plugin.jobs.worker import make_worker  # noqa: E402
from tpm_plugin.models import Client, Partnership, Program  # noqa: E402
from tpm_plugin.notifiers import Message  # noqa: E402
from tpm_plugin.services import partnerships, people  # noqa: E402
from tpm_plugin.services._unit import unit_of_work  # noqa: E402
from tpm_plugin.services.outbox import job_id_for  # noqa: E402
from tpm_plugin.services.rhythm import set_preferred_times  # noqa: E402
from tpm_plugin.services.rhythm.due import SweepSettings, due_jobs, partnership_id_ranges  # noqa: E402

#: Monday 2 March 2026, midnight in Chicago; the clocks spring forward on Sunday the 8th.
WEEK_START = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=30)
WORKERS = 3
KILL_EVERY_SECONDS = 3.0
#: Nothing queued and a job still started this long: its worker was killed.
STALLED_SECONDS = 5.0
MANAGER = "1"


class _Base(DeclarativeBase):
    pass


class RecordingNotifier:
    """Appends one line per delivery (the notification's key) to a file all workers share."""

    name = "log"

    def __init__(self, path: str) -> None:
        self.path = path

    def send(self, message: Message) -> None:
        """Record the delivery; one ``write`` of one line, appended atomically."""
        line = f"{message.key} {message.kind} {message.recipient_ref}\n".encode()
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(descriptor, line)
        finally:
            os.close(descriptor)


def _file_clock(path: str):
    def now() -> dt.datetime:
        with open(path) as handle:
            return dt.datetime.fromisoformat(handle.read().strip())

    return now


def create_app(database_url: str, redis_url: str, workdir: str) -> Flask:
    """The chaos host: the plugin on ``database_url`` and ``redis_url``, its clock and its
    deliveries in files under ``workdir``."""
    app = Flask("tpm_chaos")
    app.config.update(
        SQLALCHEMY_DATABASE_URI=database_url,
        TPM_REDIS_URL=redis_url,
        TPM_QUEUE_NAME="chaos",
        TPM_CLOCK=_file_clock(os.path.join(workdir, "clock")),
        TPM_SWEEP_HORIZON_HOURS=0,
        TPM_SWEEP_BATCH_SIZE=50,
        TPM_JOB_RETRY_INTERVALS=[0, 0, 0, 0, 0],
    )
    db = SQLAlchemy(model_class=_Base)
    db.init_app(app)
    TPM(app, db)
    app.extensions["tpm"].notifier = RecordingNotifier(os.path.join(workdir, "deliveries"))
    return app


def set_clock(workdir: str, now: dt.datetime) -> None:
    """Move the simulated clock every process reads."""
    path = os.path.join(workdir, "clock")
    with open(path + ".new", "w") as handle:
        handle.write(now.isoformat())
    os.replace(path + ".new", path)


def seed(app: Flask, count: int) -> None:
    """The program, its people, ``count`` active partnerships with preferred times, and the
    week's meetings planned from them."""
    rng = random.Random(8)
    with app.app_context():
        program = people.create_program(
            key="chaos",
            name="Chaos center",
            manager_user_ids=[MANAGER],
            timezone="America/Chicago",
        )
        manager = roles_from_tpm_tables(MANAGER)
        with unit_of_work() as unit:
            unit.session.execute(
                update(Program).where(Program.id == program.id).values(remind_guardians=True)
            )

        def person(kind, number: int):
            return people.create_person(
                manager,
                kind,
                {
                    "program_id": program.id,
                    "display_name": f"{kind.object_type.title()} {number}",
                    "contact": f"{kind.object_type}-{number}@example.org",
                },
            )

        partners = [person(people.PARTNERS, n) for n in range(count // 10 + 1)]
        supervisors = [person(people.SUPERVISORS, n) for n in range(count // 40 + 1)]
        for number in range(count):
            client = people.create_person(
                manager,
                people.CLIENTS,
                {"program_id": program.id, "display_name": f"Client {number}"},
            )
            made = partnerships.create_partnership(
                manager,
                {
                    "program_id": program.id,
                    "client_id": client.id,
                    "partner_id": partners[number % len(partners)].id,
                    "supervisor_id": supervisors[number % len(supervisors)].id,
                },
            )
            with unit_of_work() as unit:
                minor = number % 4 == 0
                unit.session.execute(
                    update(Client)
                    .where(Client.id == client.id)
                    .values(
                        is_minor=minor, guardian_contact="guardian@example.org" if minor else None
                    )
                )
                # Straight to active, entered so that its review falls due this week (or,
                # for one in five, fell due a week before, so it turns overdue this week).
                weeks_back = 4 if number % 5 else 5
                entered = (
                    WEEK_START
                    - dt.timedelta(weeks=weeks_back)
                    + dt.timedelta(minutes=rng.randrange(7 * 24 * 60))
                )
                unit.session.execute(
                    update(Partnership)
                    .where(Partnership.id == made.id)
                    .values(stage="active", stage_entered_at=entered, started_at=entered)
                )
            days = rng.sample(range(7), 3)
            times = [
                {
                    "weekday": day,
                    "time": dt.time(rng.choice([1, 2, 9, 16, 17, 18]), rng.choice([0, 30])),
                }
                for day in days
            ]
            set_preferred_times(manager, made.id, times)
        plan_coming_week(now=WEEK_START - dt.timedelta(minutes=1))


def expected_due(app: Flask, now: dt.datetime) -> tuple[set[tuple[str, str, str]], list[str]]:
    """Every notification the sweep finds due at ``now`` (fault-free reading of the DB), and
    the ids of the jobs that send them."""
    found = set()
    job_ids = []
    with app.app_context():
        settings = SweepSettings.from_config()
        with unit_of_work():
            ranges = partnership_id_ranges(1000)
        for first, last in ranges:
            with unit_of_work():
                for job in due_jobs(first, last, now, settings):
                    job_ids.append(job_id_for(job.key))
                    found.update(
                        (job.kind, recipient, job.occurrence) for recipient in job.recipients
                    )
    return found, job_ids


class Center:
    """The worker processes and the throwaway Redis of the run."""

    def __init__(self, database_url: str, workdir: str) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.port = harness.free_port()
        self.redis_url = f"redis://127.0.0.1:{self.port}/0"
        self.redis_process: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.kills = 0

    def start_redis(self) -> None:
        self.redis_process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        connection = redis.Redis.from_url(self.redis_url)
        for _ in range(200):
            try:
                connection.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("the throwaway redis-server never answered")

    def restart_redis(self) -> None:
        self.redis_process.kill()
        self.redis_process.wait()
        self.start_redis()

    def spawn_worker(self) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, __file__, "--worker", self.database_url, self.redis_url, self.workdir],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def keep_workers(self) -> None:
        """Replace every worker that died (killed, or lost its Redis)."""
        self.workers = [w for w in self.workers if w.poll() is None]
        while len(self.workers) < WORKERS:
            self.workers.append(self.spawn_worker())

    def kill_one(self, rng: random.Random) -> None:
        victim = rng.choice(self.workers)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        self.kills += 1
        self.keep_workers()

    def stop(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        if self.redis_process is not None:
            self.redis_process.kill()
            self.redis_process.wait()


def settle(
    app: Flask,
    center: Center,
    rng: random.Random,
    next_kill: list[float],
    now: dt.datetime,
    due_ids: list[str],
) -> None:
    """Wait until every job and every one of ``due_ids`` (due at ``now``) has run (see
    :mod:`benchmarks._settle`), killing workers on schedule meanwhile."""
    stalled_since: float | None = None
    while True:
        if time.monotonic() >= next_kill[0]:
            center.kill_one(rng)
            next_kill[0] = time.monotonic() + KILL_EVERY_SECONDS * rng.uniform(0.5, 1.5)
        center.keep_workers()
        try:
            with app.app_context():
                backend = app.extensions["tpm"].queue
                left = work_left(backend, due_ids)
                if left.none:
                    return
                if left.queued:
                    stalled_since = None
                else:
                    # Nothing queued and jobs still started or taken for a while: their
                    # workers were killed (or a worker lost Redis as it took them).
                    stalled_since = stalled_since or time.monotonic()
                    if time.monotonic() - stalled_since > STALLED_SECONDS:
                        recover(backend, left, now)
                        stalled_since = None
        except redis.RedisError:
            pass
        time.sleep(0.05)


def run(count: int, days: int, kill_seed: int = 9) -> tuple[int, int, int]:
    """Run the simulated week, choosing whom to kill and when with ``kill_seed``; returns
    (lost, duplicated, due)."""
    rng = random.Random(kill_seed)
    with (
        harness.own_database("tpm_chaos") as database_url,
        tempfile.TemporaryDirectory() as workdir,
    ):
        center = Center(database_url, workdir)
        set_clock(workdir, WEEK_START - dt.timedelta(minutes=1))
        center.start_redis()
        app = create_app(database_url, center.redis_url, workdir)
        seed(app, count)
        steps = int(dt.timedelta(days=days) / STEP)
        restarts = {steps // 3, 2 * steps // 3}
        due: set[tuple[str, str, str]] = set()
        try:
            center.keep_workers()
            next_kill = [time.monotonic() + KILL_EVERY_SECONDS]
            for step in range(steps + 1):
                now = WEEK_START + step * STEP
                set_clock(workdir, now)
                if step in restarts:
                    center.restart_redis()
                    print(f"step {step}: Redis restarted (empty)", flush=True)
                found, due_ids = expected_due(app, now)
                due |= found
                with app.app_context():
                    while True:
                        try:
                            sweep(now=now)
                            break
                        except redis.RedisError:
                            time.sleep(0.1)
                settle(app, center, rng, next_kill, now, due_ids)
                if step % 12 == 0:
                    print(
                        f"step {step}/{steps}: {len(due)} due so far, {center.kills} workers killed",
                        flush=True,
                    )
        finally:
            center.stop()
        deliveries_path = os.path.join(workdir, "deliveries")
        delivered_keys = Counter()
        if os.path.exists(deliveries_path):
            with open(deliveries_path) as handle:
                delivered_keys.update(line.split()[0] for line in handle if line.strip())
        with app.app_context():
            from sqlalchemy import select

            from tpm_plugin.models import NotificationLedger

            ledger = {
                f"tpm-notification-{row.id}": (row.kind, row.recipient_ref, row.occurrence)
                for row in app.extensions["tpm"].db.session.execute(
                    select(
                        NotificationLedger.id,
                        NotificationLedger.kind,
                        NotificationLedger.recipient_ref,
                        NotificationLedger.occurrence,
                    )
                )
            }
            app.extensions["tpm"].db.session.remove()
            for engine in app.extensions["sqlalchemy"].engines.values():
                engine.dispose()
        delivered = Counter()
        for key, times in delivered_keys.items():
            delivered[ledger.get(key, ("?", key, "?"))] += times
        missing = sorted(due - set(delivered))
        for kind, recipient, occurrence in missing[:10]:
            print(f"lost: {kind} to {recipient} for {occurrence}")
        lost = len(missing)
        duplicated = sum(times - 1 for times in delivered.values())
        print(f"{center.kills} workers killed, Redis restarted {len(restarts)} times")
        return lost, duplicated, len(due)


def _worker(database_url: str, redis_url: str, workdir: str) -> None:
    app = create_app(database_url, redis_url, workdir)
    with app.app_context():
        worker = make_worker(app)
    worker.work(with_scheduler=False, logging_level="WARNING")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partnerships", type=int, default=200)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument(
        "--seed", type=int, default=9, help="seed of the kills (which worker, when)"
    )
    options = parser.parse_args()
    # A timeout's SIGTERM still runs the clean-up that kills the workers and Redis.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    lost, duplicated, due = run(options.partnerships, options.days, options.seed)
    print(f"chaos: {lost} lost, {duplicated} duplicated of {due} due")
    if lost or duplicated:
        raise SystemExit(1)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        _worker(*sys.argv[2:])
    else:
        main()
