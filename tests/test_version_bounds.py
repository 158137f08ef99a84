"""The version bounds are honest: every direct dependency's lower bound in setup.cfg is the
version ``make test-lowest`` installs and runs the suite with, and the README's table of
what a host needs says the same."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _lower_bounds() -> dict[str, str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    lines = config["options"]["install_requires"].strip().splitlines()
    bounds = {}
    for line in lines:
        requirement = Requirement(line.strip())
        lower = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        assert len(lower) == 1, f"{requirement} needs exactly one >= lower bound"
        bounds[canonicalize_name(requirement.name)] = lower[0]
    return bounds


def _lowest_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints-lowest.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    return pins


def _normalized(version: str) -> str:
    return re.sub(r"(\.0)+$", "", version)


def test_the_lowest_run_pins_every_direct_dependency_at_its_lower_bound() -> None:
    bounds, pins = _lower_bounds(), _lowest_pins()
    assert set(pins) == set(bounds)
    for name, bound in bounds.items():
        assert _normalized(pins[name]) == _normalized(bound), name


def test_the_readme_lists_what_a_host_needs_as_setup_cfg_bounds_it() -> None:
    readme = (ROOT / "README.md").read_text()
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    python = config["options"]["python_requires"]
    assert f"| Python | `{python}` |" in readme
    shown = {
        "flask": "Flask",
        "flask-sqlalchemy": "Flask-SQLAlchemy",
        "sqlalchemy": "SQLAlchemy",
        "rq": "rq",
        "redis": "redis-py",
        "alembic": "Alembic",
        "marshmallow": "marshmallow",
        "jinja2": "Jinja2",
        "standardwebhooks": "standardwebhooks",
    }
    lines = config["options"]["install_requires"].strip().splitlines()
    specifiers = {
        canonicalize_name(Requirement(line).name): str(Requirement(line).specifier)
        for line in lines
    }
    for name, label in shown.items():
        ordered = ",".join(sorted(specifiers[name].split(","), key=lambda s: not s.startswith(">")))
        assert f"| {label} | `{ordered}` |" in readme, label
