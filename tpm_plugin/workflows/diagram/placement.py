"""Where the points of an ordered layout go: each row packed as close to its neighbours as
spacing allows, the main path of the workflow straight down, rows top to bottom."""

from __future__ import annotations

from .layout import Layout, Node
from .style import LABEL_HEIGHT, MARGIN, NODE_GAP, NODE_HEIGHT, STAGE_TO_LABEL_GAP


def place_rows(layout: Layout) -> None:
    """x: each row as close to its neighbours as spacing allows; y: rows top to bottom.

    Sets every node's ``x`` and ``y`` (centres, from 0 on the left and ``MARGIN`` at the
    top); the main path runs straight down and each trunk stands on one x.

    Args:
        layout: a layout whose rows :func:`~.ordering.order_rows` has ordered.
    """
    rows = sorted(layout.rows)
    for row in rows:
        cursor = 0.0
        for node_id in layout.rows[row]:
            node = layout.nodes[node_id]
            node.x = cursor + node.width / 2
            cursor += node.width + NODE_GAP
    for sweep in range(12):
        order = rows if sweep % 2 == 0 else list(reversed(rows))
        for row in order:
            _pack_row(layout, layout.rows[row])
        _straighten_trunks(layout)
    _align_main_path(layout)
    _straighten_trunks(layout)
    y = MARGIN
    for row in range(rows[0], rows[-1] + 1) if rows else []:
        height = NODE_HEIGHT if row % 2 == 0 else LABEL_HEIGHT
        for node_id in layout.rows.get(row, []):
            layout.nodes[node_id].y = y + height / 2
        y += height + STAGE_TO_LABEL_GAP


def _straighten_trunks(layout: Layout) -> None:
    """Line each trunk up on one x, right of everything before it on its rows."""
    buses = sorted((e for e in layout.edges if e.bus_sources), key=lambda e: len(e.chain))
    for edge in buses:
        trunk = [layout.nodes[n] for n in edge.chain[:-1]]
        x = max(node.x for node in trunk)
        for node in trunk:
            members = layout.rows[node.row]
            index = members.index(node.id)
            if index:
                left = layout.nodes[members[index - 1]]
                x = max(x, left.x + (left.width + node.width) / 2 + _gap(left, node))
        for node in trunk:
            node.x = x


def _align_main_path(layout: Layout) -> None:
    """Put each run of main-path edges on one vertical line, nudging the rest of each row
    aside as little as spacing needs."""
    following: dict[str, list[str]] = {}
    for edge in layout.edges:
        if edge.main:
            following[edge.chain[0]] = edge.chain[1:]
    targets = {chain[-1] for chain in following.values()}
    starts = [node_id for node_id in following if node_id not in targets]
    for start in starts:
        run, node_id = [start], start
        while node_id in following:
            run.extend(following[node_id])
            node_id = following[node_id][-1]
        xs = sorted(layout.nodes[n].x for n in run if layout.nodes[n].stage)
        x = xs[len(xs) // 2]
        for node_id in run:
            _move_in_row(layout, node_id, x)


def _move_in_row(layout: Layout, node_id: str, x: float) -> None:
    members = layout.rows[layout.nodes[node_id].row]
    index = members.index(node_id)
    layout.nodes[node_id].x = x
    for step in (1, -1):
        position = index
        while 0 <= position + step < len(members):
            near, far = layout.nodes[members[position]], layout.nodes[members[position + step]]
            room = (near.width + far.width) / 2 + _gap(*((near, far) if step > 0 else (far, near)))
            if step * (far.x - near.x) >= room:
                break
            far.x = near.x + step * room
            position += step


def _pack_row(layout: Layout, members: list[str]) -> None:
    """Place one row's nodes, in order and spaced apart, nearest their neighbours' mean x.

    Minimising the weighted squared distance to the wished-for positions under the spacing
    constraints is an isotonic regression once each position is shifted by the room the
    nodes to its left need; pool-adjacent-violators solves it exactly.
    """
    if not members:
        return
    wished, weights, offsets = [], [], []
    offset = 0.0
    previous: Node | None = None
    for node_id in members:
        node = layout.nodes[node_id]
        if previous is not None:
            offset += (previous.width + node.width) / 2 + _gap(previous, node)
        total = weight_sum = 0.0
        for other, weight in layout.links[node_id]:
            total += layout.nodes[other].x * weight
            weight_sum += weight
        target = total / weight_sum if weight_sum else node.x
        wished.append(target - offset)
        anchored = node.stage is not None or node_id in layout.anchored
        weights.append((weight_sum or 1.0) * (4.0 if anchored else 1.0))
        offsets.append(offset)
        previous = node
    for node_id, value, offset in zip(members, _isotonic(wished, weights), offsets, strict=True):
        layout.nodes[node_id].x = value + offset


def _gap(left: Node, right: Node) -> float:
    if left.stage and right.stage:
        return NODE_GAP
    if left.stage or right.stage or left.label or right.label:
        return NODE_GAP / 2
    return NODE_GAP / 4


def _isotonic(values: list[float], weights: list[float]) -> list[float]:
    blocks: list[list[float]] = []  # [mean, weight, count]
    for value, weight in zip(values, weights, strict=True):
        blocks.append([value, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean_b, weight_b, count_b = blocks.pop()
            mean_a, weight_a, count_a = blocks.pop()
            total = weight_a + weight_b
            blocks.append(
                [(mean_a * weight_a + mean_b * weight_b) / total, total, count_a + count_b]
            )
    result: list[float] = []
    for mean, _, count in blocks:
        result.extend([mean] * int(count))
    return result
