"""Where edges meet the stage boxes: each edge gets its own port on a box's top or bottom
edge, so arrows arriving at or leaving one stage do not cross there."""

from __future__ import annotations

from collections import defaultdict

from .layout import Layout


def edge_ports(layout: Layout) -> dict[tuple[str, str], float]:
    """Where each edge meets each stage's top or bottom, spread out in the order of the
    points they come from so they do not cross at the box.

    Args:
        layout: a placed layout.

    Returns:
        The x of each port, by (stage point id, ``"<edge index>:<neighbour point id>"``).
    """
    attached: dict[tuple[str, str], list[tuple[float, bool, str]]] = defaultdict(list)
    for index, edge in enumerate(layout.edges):
        chain = edge.chain
        for end, neighbour in ((chain[0], chain[1]), (chain[-1], chain[-2])):
            node, other = layout.nodes[end], layout.nodes[neighbour]
            if node.stage is None or other.row == node.row:
                continue
            side = "bottom" if other.row > node.row else "top"
            attached[(end, side)].append((other.x, edge.main, f"{index}:{neighbour}"))
    ports: dict[tuple[str, str], float] = {}
    for (end, _side), items in attached.items():
        node = layout.nodes[end]
        items.sort()
        step = min(18.0, node.width * 0.7 / max(len(items) - 1, 1))
        main = next((i for i, item in enumerate(items) if item[1]), None)
        if main is None:
            centre = (len(items) - 1) / 2
            for position, (_, _, tag) in enumerate(items):
                ports[(end, tag)] = node.x + (position - centre) * step
            continue
        # The main path keeps the middle; the others fan out to the side they come from.
        for position, (_, _, tag) in enumerate(items):
            ports[(end, tag)] = node.x + (position - main) * step
    return ports


def attach_point(
    layout: Layout, ports: dict[tuple[str, str], float], index: int, end: str, neighbour: str
) -> tuple[float, float]:
    """Where the edge ``index`` leaves or enters the stage ``end`` on its way to or from
    ``neighbour``: the port :func:`edge_ports` chose on the side facing ``neighbour``.

    Args:
        layout: a placed layout.
        ports: the ports from :func:`edge_ports`.
        index: the edge's position in ``layout.edges``.
        end: the point id of the stage at this end of the edge.
        neighbour: the point id next to ``end`` along the edge.

    Returns:
        The (x, y) of the point on the stage's top or bottom.
    """
    node, other = layout.nodes[end], layout.nodes[neighbour]
    x = ports.get((end, f"{index}:{neighbour}"), node.x)
    y = node.y + (node.height / 2 if other.y > node.y else -node.height / 2)
    return x, y
