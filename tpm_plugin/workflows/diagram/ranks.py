"""Which row each stage goes in: its longest path from the start stage once the edges
that close a cycle (review back to planning) are set aside; terminal stages go last."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .edges import transition_edges


def stage_ranks(definition: dict[str, Any]) -> dict[str, int]:
    """Each stage's rank: longest path from the start over the edges that do not close a
    cycle; terminal stages share the last rank.

    Args:
        definition: a workflow definition (``stages`` and ``transitions``).

    Returns:
        The rank of every stage, by key; 0 is the top row.
    """
    stages = definition.get("stages", [])
    keys = [stage["key"] for stage in stages]
    known = set(keys)
    successors: dict[str, list[str]] = defaultdict(list)
    for source, dest, _ in transition_edges(definition):
        if source in known and dest in known and dest not in successors[source]:
            successors[source].append(dest)
    start = next((s["key"] for s in stages if s.get("kind") == "start"), keys[0] if keys else None)
    # Depth-first from the start in definition order: an edge into a stage still on the
    # path is a back edge (a loop such as review -> planning) and does not push ranks.
    forward: dict[str, list[str]] = defaultdict(list)
    state: dict[str, int] = {}
    roots = [start] + [k for k in keys if k != start] if start else []
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(successors[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif child not in state:
                forward[node].append(child)
                state[child] = 1
                stack.append((child, iter(successors[child])))
            elif state[child] == 2:
                forward[node].append(child)
    ranks = {key: 0 for key in keys}
    for node in _topological(keys, forward):
        for child in forward[node]:
            ranks[child] = max(ranks[child], ranks[node] + 1)
    terminal = {s["key"] for s in stages if s.get("kind") == "terminal"}
    last = max((ranks[k] for k in keys if k not in terminal), default=-1) + 1
    for key in terminal:
        ranks[key] = max(last, ranks[key])
    return ranks


def _topological(keys: list[str], forward: dict[str, list[str]]) -> list[str]:
    incoming = {key: 0 for key in keys}
    for children in forward.values():
        for child in children:
            incoming[child] += 1
    ready = [key for key in keys if incoming[key] == 0]
    ordered = []
    while ready:
        node = ready.pop(0)
        ordered.append(node)
        for child in forward[node]:
            incoming[child] -= 1
            if incoming[child] == 0:
                ready.append(child)
    return ordered
