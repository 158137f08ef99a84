"""The edges a workflow definition draws: one per (source, destination, transition label).

A transition's guards are part of its label (``Plan again [review_decided_replan]``, the
usual state-chart notation), so a program sees in the diagram what each way out requires.
"""

from __future__ import annotations

from typing import Any


def transition_edges(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(source, destination, label) of every transition, once each, in definition order.

    Args:
        definition: a workflow definition (``stages`` and ``transitions``); a transition's
            label falls back to its trigger, and names its guards in brackets.

    Returns:
        The edges, duplicates dropped, including any whose stages the definition lacks.
    """
    seen: dict[tuple[str, str, str], None] = {}
    for transition in definition.get("transitions", []):
        label = transition.get("label") or transition["trigger"]
        if transition.get("guards"):
            label = f"{label} [{', '.join(transition['guards'])}]"
        for source in transition.get("sources", []):
            seen.setdefault((source, transition["dest"], label), None)
    return list(seen)
