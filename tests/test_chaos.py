"""The chaos run at a small size, as part of the suite: a simulated day of a small center
while rq workers are SIGKILLed every few seconds and a throwaway Redis is restarted twice
(empty) loses no due notification and sends none twice. ``make benchmarks`` runs the full
week of 200 partnerships."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def test_a_day_of_killed_workers_and_two_redis_restarts_loses_nothing_and_sends_nothing_twice():
    run = subprocess.run(
        [sys.executable, "benchmarks/chaos.py", "--partnerships", "12", "--days", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    killed = re.fullmatch(r"(\d+) workers killed, Redis restarted (\d+) times", lines[-2])
    assert killed is not None, lines[-2:]
    assert int(killed[1]) >= 1 and int(killed[2]) == 2
    final = re.fullmatch(r"chaos: 0 lost, 0 duplicated of (\d+) due", lines[-1])
    assert final is not None, lines[-1]
    assert int(final[1]) > 0
