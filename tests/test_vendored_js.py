"""The vendored JavaScript is what scripts/vendor_js.sh pins, each file beside its licence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = (ROOT / "scripts" / "vendor_js.sh").read_text()

VENDORED = [
    # (pin variable in the script, npm package, folder, file, version as the file writes it)
    ("HTMX_VERSION", "htmx.org", "tpm_plugin/static/tpm/vendor", "htmx.min.js", 'version:"{}"'),
    ("AXE_CORE_VERSION", "axe-core", "tests/browser/vendor", "axe.min.js", "axe v{}"),
]


def _pin(variable: str) -> str:
    match = re.search(rf"^{variable}=([0-9][0-9.]*)$", SCRIPT, re.MULTILINE)
    assert match, f"scripts/vendor_js.sh pins no {variable}"
    return match.group(1)


@pytest.mark.parametrize(("variable", "package", "folder", "name", "marker"), VENDORED)
def test_each_vendored_file_is_the_pinned_version_with_its_licence(
    variable: str, package: str, folder: str, name: str, marker: str
) -> None:
    version = _pin(variable)
    vendored = ROOT / folder / name
    licence = ROOT / folder / name.replace(".min.js", ".LICENSE.txt")
    assert marker.format(version) in vendored.read_text(encoding="utf-8")
    assert licence.stat().st_size > 100
    assert f"{package} {version}" in (ROOT / folder / "VERSIONS").read_text()


def test_the_pages_script_is_packaged_with_the_plugin() -> None:
    setup = (ROOT / "setup.cfg").read_text()
    assert "static/tpm/vendor/*" in setup
