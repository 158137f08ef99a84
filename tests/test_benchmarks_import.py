"""The benchmark scripts run as ``python benchmarks/<name>.py``, where Python puts
``benchmarks/`` first on ``sys.path`` and ``benchmarks/transitions.py`` could shadow the
``transitions`` library the plugin imports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = sorted(
    path.name
    for path in BENCHMARKS.glob("*.py")
    if not path.name.startswith("_") and not path.name.endswith("_host.py")
)
# Executes a script's top level (its imports) exactly as `python benchmarks/<name>.py` would
# see sys.path, without calling its main, which needs PostgreSQL and minutes.
_IMPORT_AS_SCRIPT = (
    "import runpy, sys; sys.path[0] = sys.argv[1]; "
    "runpy.run_path(sys.argv[2], run_name='benchmark_import_check')"
)


def test_the_benchmark_scripts_are_found() -> None:
    assert {"api.py", "startup.py", "transitions.py", "transitions_memory.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_script_imports_the_plugin_when_run_from_its_folder(script: str) -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORT_AS_SCRIPT, str(BENCHMARKS), str(BENCHMARKS / script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr


def test_startup_benchmark_ends_with_its_ratio_line() -> None:
    completed = subprocess.run(
        [sys.executable, str(BENCHMARKS / "startup.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    last_line = completed.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"startup: ratio \d+\.\d+ \(target 1\.20\)", last_line), last_line
