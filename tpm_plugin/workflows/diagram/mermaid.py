"""A workflow definition as Mermaid ``stateDiagram-v2`` text, with safe ids and labels."""

from __future__ import annotations

from typing import Any

from .edges import transition_edges


def to_mermaid(definition: dict[str, Any], highlight: str | None = None) -> str:
    """The definition as a Mermaid ``stateDiagram-v2``.

    ``[*]`` points at the start stage, each terminal stage points at ``[*]``, and there is
    one edge per (source, destination, transition label).

    Args:
        definition: a workflow definition (``stages`` and ``transitions``).
        highlight: the key of a stage to mark with the ``current`` class, or ``None``.

    Returns:
        The diagram's text, ending in a newline.
    """
    stages = definition.get("stages", [])
    ids = _mermaid_ids([stage["key"] for stage in stages])
    lines = ["stateDiagram-v2"]
    title = definition.get("name") or definition.get("key")
    if title:
        lines.insert(0, f"---\ntitle: {_mermaid_text(str(title))}\n---")
    for stage in stages:
        label = _mermaid_text(stage.get("label") or stage["key"])
        lines.append(f'    state "{label}" as {ids[stage["key"]]}')
    for stage in stages:
        if stage.get("kind") == "start":
            lines.append(f"    [*] --> {ids[stage['key']]}")
    for source, dest, label in transition_edges(definition):
        if source in ids and dest in ids:
            lines.append(f"    {ids[source]} --> {ids[dest]} : {_mermaid_text(label)}")
    for stage in stages:
        if stage.get("kind") == "terminal":
            lines.append(f"    {ids[stage['key']]} --> [*]")
    if highlight is not None and highlight in ids:
        lines.append(f"    classDef current {_MERMAID_CURRENT_STYLE}")
        lines.append(f"    class {ids[highlight]} current")
    return "\n".join(lines) + "\n"


_MERMAID_CURRENT_STYLE = "fill:#f6c344,stroke:#8a6100,stroke-width:3px,color:#1f2933"


def _mermaid_ids(keys: list[str]) -> dict[str, str]:
    """Mermaid state ids: the key itself when it is a plain identifier, else a safe one."""
    ids: dict[str, str] = {}
    for index, key in enumerate(keys):
        plain = key.replace("_", "").isalnum() and key.isascii() and not key[:1].isdigit()
        ids[key] = key if plain and key != "end" else f"s{index}_{_ascii_slug(key)}"
    return ids


def _ascii_slug(text: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in text)[:40]


def _mermaid_text(text: str) -> str:
    """Text safe inside a Mermaid label: one line, no quote or statement separators."""
    flat = " ".join(text.split())
    return flat.replace('"', "'").replace(";", ",").replace("#", "no.")
