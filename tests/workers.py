"""Real rq worker processes for the fault tests, and waiting on them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def start_worker(
    config: dict[str, Any], log: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``flask tpm worker ARGS`` on :mod:`tests.worker_host` with ``config``; its
    output goes to ``log``."""
    environment = {**os.environ, "TPM_TEST_WORKER_CONFIG": json.dumps(config), **(env or {})}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tests.worker_host:create_app"]
            + ["tpm", "worker", *args],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(condition: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    """Poll ``condition`` until it is truthy and return it; fail naming ``what`` if it never
    is (a bound on waiting, not an assertion on time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"Gave up waiting for {what}.")


def work_horse_of(worker: subprocess.Popen[bytes]) -> int:
    """The pid of the worker's work horse (its forked child running a job)."""

    def child() -> int | None:
        path = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        children = path.read_text().split() if path.exists() else []
        return int(children[0]) if children else None

    return wait_for(child, "the worker to fork a work horse")


def finish(worker: subprocess.Popen[bytes], log: Path) -> None:
    """Wait for a burst worker to exit cleanly (its log is shown if it does not)."""
    try:
        code = worker.wait(timeout=120)
    except subprocess.TimeoutExpired:
        worker.kill()
        raise AssertionError(f"The worker never finished:\n{log.read_text()}") from None
    assert code == 0, log.read_text()
