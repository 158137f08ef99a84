"""The order of the points on each row of a layout, chosen for few edge crossings."""

from __future__ import annotations

from .layout import Layout


def order_rows(layout: Layout) -> None:
    """Order each row by the mean order of its neighbours, keeping the best sweep.

    Sets each row's order in ``layout.rows`` and every node's ``order``; trunks go last on
    their rows, and the points of a loop back along the main path go first.

    Args:
        layout: a layout from :func:`~.layout.build_layout`.
    """
    rows = sorted(layout.rows)
    for row in rows:
        for index, node_id in enumerate(layout.rows[row]):
            layout.nodes[node_id].order = index

    def mean_order(node_id: str, fallback: float) -> float:
        total = weight_sum = 0.0
        for other, weight in layout.links[node_id]:
            total += layout.nodes[other].order * weight
            weight_sum += weight
        return total / weight_sum if weight_sum else fallback

    best = _crossings(layout), {r: list(layout.rows[r]) for r in rows}
    for sweep in range(8):
        for row in rows if sweep % 2 == 0 else reversed(rows):
            members = layout.rows[row]
            keyed = [(mean_order(n, layout.nodes[n].order), i, n) for i, n in enumerate(members)]
            members[:] = [n for _, _, n in sorted(keyed)]
            for index, node_id in enumerate(members):
                layout.nodes[node_id].order = index
        crossings = _crossings(layout)
        if crossings < best[0]:
            best = crossings, {r: list(layout.rows[r]) for r in rows}
    # Trunks run down the right-hand edge, the longest outermost, so their joins cross
    # lines rather than boxes.
    span = {n: len(_trunk(layout, n)) for row in best[1].values() for n in row}
    left = {n: -len(loop) for loop in layout.left_loops for n in loop}
    for row, members in best[1].items():
        members.sort(key=lambda n: (n not in left, left.get(n, 0)))
        members.sort(key=lambda n: (n.startswith("bus:"), span[n] if n.startswith("bus:") else 0))
        layout.rows[row] = members
        for index, node_id in enumerate(members):
            layout.nodes[node_id].order = index


def _trunk(layout: Layout, node_id: str) -> list[str]:
    for edge in layout.edges:
        if edge.bus_sources and node_id in edge.chain:
            return edge.chain[:-1]
    return []


def _crossings(layout: Layout) -> int:
    segments = []
    for node_id, neighbours in layout.links.items():
        node = layout.nodes[node_id]
        for other_id, _ in neighbours:
            other = layout.nodes[other_id]
            if other.row == node.row + 1:
                segments.append((node.row, node.order, other.order))
    count = 0
    for i, (row_a, top_a, bottom_a) in enumerate(segments):
        for row_b, top_b, bottom_b in segments[i + 1 :]:
            if row_a == row_b and (top_a - top_b) * (bottom_a - bottom_b) < 0:
                count += 1
    return count
