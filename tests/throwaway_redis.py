"""A redis-server of a test's own, on a free port, to kill, flush and restart (never the
shared one)."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest
import redis

from .services import _free_port


class ThrowawayRedis:
    """A ``redis-server`` process the test owns; ``url`` stays the same across restarts."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (Debian package 'redis-server').")
        self.binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ThrowawayRedis:
        """Start the server (again) and wait until it answers."""
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        connection = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                connection.ping()
                return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} never answered.")

    def stop(self) -> None:
        """Kill the server (its data is gone: it never saves)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def client(self) -> redis.Redis:
        """A connection to it."""
        return redis.Redis.from_url(self.url)
