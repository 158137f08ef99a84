"""Find (or start) the real PostgreSQL and Redis the suite runs against.

``TPM_TEST_DATABASE_URL`` and ``TPM_TEST_REDIS_URL`` name the servers, and
``TPM_TEST_DATABASE_PREFIX`` how this run's databases are named (default: this
machine's, 127.0.0.1:5432 database ``test`` and 127.0.0.1:6379). When one is unreachable and
its server binary is installed, a throwaway instance is started in a temporary folder; when
the binary is missing too, the run stops with the package to install.
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import uuid

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


class ServiceUnavailable(RuntimeError):
    """A server the suite needs is neither reachable nor installed."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_reachable(url: str) -> bool:
    try:
        with create_engine(url).connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _start_throwaway_postgres() -> str:
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise ServiceUnavailable(
            "PostgreSQL is not reachable at TPM_TEST_DATABASE_URL and no server binary is "
            "installed: install the Debian package 'postgresql' (or set TPM_TEST_DATABASE_URL)."
        )
    folder = tempfile.mkdtemp(prefix="tpm-pg-")
    port = _free_port()
    user = ["-u", "postgres"] if os.geteuid() == 0 and shutil.which("runuser") else []
    if user:
        shutil.chown(folder, "postgres")
    run = (
        (
            lambda *cmd: subprocess.run(
                ["runuser", *user, "--", *cmd], check=True, capture_output=True
            )
        )
        if user
        else (lambda *cmd: subprocess.run(list(cmd), check=True, capture_output=True))
    )
    run(initdb, "-D", folder, "-A", "trust", "-U", "postgres")
    run(pg_ctl, "-D", folder, "-o", f"-p {port} -k {folder} -h 127.0.0.1", "-w", "start")
    atexit.register(lambda: run(pg_ctl, "-D", folder, "-m", "immediate", "stop"))
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


def postgres_server_url() -> str:
    """A reachable PostgreSQL server URL (the configured one, or a throwaway one)."""
    url = os.environ.get("TPM_TEST_DATABASE_URL", DEFAULT_DATABASE_URL)
    if _postgres_reachable(url):
        return url
    return _start_throwaway_postgres()


DEFAULT_DATABASE_PREFIX = "tpm_test_"


def database_prefix() -> str:
    """How this run's PostgreSQL databases are named: ``TPM_TEST_DATABASE_PREFIX`` (default
    ``tpm_test_``), so a shared server's owner can tell (and clean) them apart."""
    prefix = os.environ.get("TPM_TEST_DATABASE_PREFIX", DEFAULT_DATABASE_PREFIX)
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise ServiceUnavailable(
            f"TPM_TEST_DATABASE_PREFIX={prefix!r} is not usable in a database name: use at "
            "most 41 lowercase letters, digits and underscores, not starting with a digit."
        )
    return prefix


def create_run_database(server_url: str) -> tuple[str, callable]:
    """Create a database of this run's own; return its URL and a function dropping it."""
    name = f"{database_prefix()}{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def redis_server_url() -> str:
    """A reachable Redis URL (the configured one, or a throwaway ``redis-server``)."""
    url = os.environ.get("TPM_TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        return url
    except redis.RedisError:
        pass
    return start_redis_server()[0]


def start_redis_server() -> tuple[str, callable]:
    """Start a throwaway, empty ``redis-server`` on a free port; return its URL and a
    function stopping it (also called at exit)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServiceUnavailable(
            "Redis is not reachable at TPM_TEST_REDIS_URL and redis-server is not installed: "
            "install the Debian package 'redis-server' (or set TPM_TEST_REDIS_URL)."
        )
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    atexit.register(process.terminate)
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        try:
            redis.Redis.from_url(url).ping()
            return url, process.terminate
        except redis.RedisError:
            time.sleep(0.1)
    process.terminate()
    raise ServiceUnavailable(f"Started redis-server on port {port} but it never answered.")
