"""axe-core in the browser tests: the vendored ``axe.min.js`` (see scripts/vendor_js.sh) run
on a page, failing on serious or critical violations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
#: Impacts that fail a page (axe's four are minor, moderate, serious and critical).
FAILING = frozenset({"serious", "critical"})

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(" ") + ": " + n.failureSummary),
  }));
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Every axe-core violation on ``page`` as it is now (axe injected when missing)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(_RUN)


def assert_accessible(page: Any) -> None:
    """Fail when ``page`` has a serious or critical axe-core violation, naming each."""
    failing = [v for v in axe_violations(page) if v["impact"] in FAILING]
    assert not failing, f"axe-core on {page.url}:\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"][:5])
        for v in failing
    )
