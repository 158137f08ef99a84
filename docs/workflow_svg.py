"""Regenerate ``docs/workflow.svg``, the README's drawing of the shipped workflow.

.venv/bin/python docs/workflow_svg.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tpm_plugin.workflows.definition import default_definition  # noqa: E402
from tpm_plugin.workflows.diagram import to_svg  # noqa: E402

TARGET = Path(__file__).resolve().parent / "workflow.svg"


def main() -> None:
    TARGET.write_text(to_svg(default_definition()), encoding="utf-8")
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
