"""The built wheel carries the migrations inside the package and migrates from site-packages."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tpm_plugin import migrate

ROOT = Path(__file__).resolve().parent.parent


def _declared_packages() -> set[str]:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg")
    return {line.strip() for line in parser["options"]["packages"].splitlines() if line.strip()}


def test_setup_cfg_lists_every_package_of_the_source_tree() -> None:
    on_disk = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "tpm_plugin").rglob("__init__.py")
    }
    on_disk |= {
        "tpm_plugin." + ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "migrations").rglob("__init__.py")
    }
    assert _declared_packages() == on_disk


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("tpm_plugin-*.whl")
    return built


@pytest.mark.slow
def test_wheel_ships_migrations_inside_the_package_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "tpm_plugin/migrations/env.py" in names
    assert "tpm_plugin/migrations/script.py.mako" in names
    assert any(n.startswith("tpm_plugin/migrations/versions/0001_") for n in names)
    assert not [n for n in names if n.startswith("migrations/")]
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))]


@pytest.mark.slow
def test_installed_wheel_runs_flask_tpm_db_upgrade(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
    )
    host = tmp_path / "host_app.py"
    host.write_text(
        "from flask import Flask\n"
        "from flask_sqlalchemy import SQLAlchemy\n"
        "from tpm_plugin import TPM\n"
        "app = Flask(__name__)\n"
        f"app.config['SQLALCHEMY_DATABASE_URI'] = 'sqlite:///{tmp_path / 'wheel.db'}'\n"
        "db = SQLAlchemy(app)\n"
        "TPM(app, db)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{site}{os.pathsep}{tmp_path}", "FLASK_APP": "host_app"}
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import tpm_plugin, importlib.util as u; "
            "print(tpm_plugin.__file__); print(u.find_spec('migrations'))",
        ],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    assert where[0].startswith(str(site))
    assert where[1] == "None"
    result = subprocess.run(
        [sys.executable, "-m", "flask", "tpm", "db", "upgrade"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert f"tpm_plugin tables at revision {migrate.head_revision()}" in result.stdout
