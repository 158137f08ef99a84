"""What the benchmark scripts share: a PostgreSQL database of their own, a host app under
gunicorn, a keep-alive HTTP load driver, and the lines they print.

Each script keeps its own seeding, its own host app (``benchmarks/*_host.py``) and its own
``main``; this module holds only the machinery around them. It is imported as
``benchmarks._harness``, so a script first puts the repository root on ``sys.path``.

``TPM_BENCH_SERVER_URL`` names the PostgreSQL server whose databases are created and dropped
(default: ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``);
``TPM_BENCH_STARTUP_SECONDS`` how long gunicorn may take to start (default: 30).
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tpm_plugin import migrate

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = os.environ.get(
    "TPM_BENCH_SERVER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
#: The header the benchmark hosts read the acting host user id from.
USER_HEADER = "X-Bench-User"
#: How long a starting gunicorn may take to answer its health check (longer on a machine
#: busy with other work: it is not part of what is measured).
_STARTUP_SECONDS = float(os.environ.get("TPM_BENCH_STARTUP_SECONDS", "30"))

#: Sends one request on a client's keep-alive connection and reads the whole answer:
#: ``send(connection, client_number)`` returns ``None`` when the answer is the expected one,
#: otherwise a short description of the failure.
Send = Callable[[http.client.HTTPConnection, int], str | None]


@contextmanager
def own_database(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to head, dropped afterwards whatever happens.

    Args:
        prefix: the start of the database's name; a random suffix keeps runs apart.

    Yields:
        the database's SQLAlchemy URL.

    Raises:
        sqlalchemy.exc.OperationalError: the server at :data:`SERVER_URL` is not reachable.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
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


def analyze(database_url: str) -> None:
    """Refresh the planner's statistics after a bulk seed, as autovacuum would have done on
    a live database (without them PostgreSQL plans for empty tables)."""
    engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app: str, database_url: str, *, workers: int, threads: int) -> Iterator[int]:
    """A host app under gunicorn (gthread workers) on a free loopback port, stopped afterwards.

    Args:
        app: gunicorn's app spec, e.g. ``"benchmarks.api_host:create_app()"``; the host reads
            its database from ``$TPM_BENCH_DATABASE_URL``.
        database_url: the database the host serves.
        workers: worker processes.
        threads: threads per worker.

    Yields:
        the port, once ``/tpm/api/health`` answers 200.

    Raises:
        RuntimeError: gunicorn exited, or did not answer within 30 seconds.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--pythonpath",
        str(ROOT),
        "--log-level",
        "warning",
        app,
    ]
    environment = {**os.environ, "TPM_BENCH_DATABASE_URL": database_url}
    process = subprocess.Popen(command, env=environment, cwd=ROOT)
    try:
        _wait_until_serving(process, port)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_serving(process: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + _STARTUP_SECONDS
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
    raise RuntimeError(
        f"gunicorn did not answer /tpm/api/health within {_STARTUP_SECONDS:.0f} seconds."
    )


@dataclass
class Result:
    """The requests of one kind: successful latencies in seconds, wall time, failures."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def add(self, other: Result) -> None:
        """Fold ``other`` (a later run of the same kind) into this one."""
        self.latencies += other.latencies
        self.seconds += other.seconds
        self.failures += other.failures

    @property
    def throughput(self) -> float:
        """Successful requests per second of wall time."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    @property
    def p99_ms(self) -> float:
        """The 99th-percentile latency of the successful requests, in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


def drive(port: int, send: Send, *, clients: int, requests: int, time_cap: float) -> Result:
    """Send ``requests`` requests from ``clients`` threads, each on its own keep-alive
    connection to ``127.0.0.1:port``, stopping early once ``time_cap`` seconds have passed.

    A connection that breaks counts as a failure and is reopened.

    Args:
        port: where the server listens.
        send: makes one request (see :data:`Send`); its time is the request's latency.
        clients: concurrent connections; ``send`` is told which one (0 to ``clients - 1``).
        requests: how many requests in all.
        time_cap: seconds after which no further request starts.
    """
    lock = threading.Lock()
    issued = [0]
    results = [Result() for _ in range(clients)]
    deadline = time.monotonic() + time_cap

    def client(number: int) -> None:
        result = results[number]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < deadline:
            with lock:
                if issued[0] >= requests:
                    break
                issued[0] += 1
            began = time.perf_counter()
            try:
                failure = send(connection, number)
            except (OSError, http.client.HTTPException) as error:
                failure = f"{type(error).__name__}: {error}"
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - began
            if failure is None:
                result.latencies.append(elapsed)
            else:
                result.failures.append(failure)
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Result(seconds=time.perf_counter() - began)
    for result in results:
        total.add(Result(latencies=result.latencies, failures=result.failures))
    return total


def alternate(rounds: int, runs: dict[str, Callable[[], Result]]) -> dict[str, Result]:
    """Call each of ``runs`` once a round, the order reversed every other round so machine
    noise hits every kind alike.

    Returns:
        each kind's runs folded into one :class:`Result`, by the names of ``runs``.
    """
    totals = {name: Result() for name in runs}
    order = list(runs.items())
    for number in range(rounds):
        for name, run in order if number % 2 == 0 else reversed(order):
            totals[name].add(run())
    return totals


def report(name: str, result: Result, what: str = "requests") -> None:
    """Print one kind's count, wall time, throughput, p99 latency and failures."""
    print(
        f"{name}: {len(result.latencies)} {what} in {result.seconds:.1f} s, "
        f"{result.throughput:.1f} req/s, p99 {result.p99_ms:.1f} ms"
        + (f", {len(result.failures)} failed" if result.failures else "")
    )


def report_ratio(name: str, ratio: float, target: float) -> None:
    """Print the benchmark's last line, ``<name>: ratio <value> (target <value>)``."""
    print(f"{name}: ratio {ratio:.2f} (target {target:.2f})")
