"""The edges a workflow definition draws: one per (source, destination, transition label)."""

from __future__ import annotations

from typing import Any


def transition_edges(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(source, destination, label) of every transition, once each, in definition order.

    Args:
        definition: a workflow definition (``stages`` and ``transitions``); a transition's
            label falls back to its trigger.

    Returns:
        The edges, duplicates dropped, including any whose stages the definition lacks.
    """
    seen: dict[tuple[str, str, str], None] = {}
    for transition in definition.get("transitions", []):
        label = transition.get("label") or transition["trigger"]
        for source in transition.get("sources", []):
            seen.setdefault((source, transition["dest"], label), None)
    return list(seen)
