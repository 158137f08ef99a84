"""Draw a workflow definition: Mermaid text, or a self-contained SVG laid out in pure Python.

Both take a definition in the plugin's JSON shape (stages and transitions) and optionally
the key of a stage to highlight, such as a partnership's current stage.

The SVG layout is a small layered ("Sugiyama") drawing, top to bottom:

1. Stages get a rank: the longest path from the start stage once the edges that close a
   cycle (review back to planning) are set aside; terminal stages go last.
2. Every edge becomes a chain of invisible points, one per row it crosses; the row between
   two stage rows holds the edge's label as a point as wide as the text, so labels take
   room in the layout and never sit on a box or on each other.
3. A few sweeps order each row by the mean position of its neighbours (fewer crossings);
   then each row is placed as close to its neighbours as the spacing allows, so the main
   path of the workflow runs straight down.
4. Edges are drawn as smooth curves through their points; an edge that goes back up (a
   review that sends the partnership back to planning) curves up beside the stages.
   A transition that many stages share (withdraw from anywhere) is drawn once, as a trunk
   that each source joins, with one label.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["to_mermaid", "to_svg"]

# --- Mermaid -------------------------------------------------------------------------------


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
    for source, dest, label in _edges(definition):
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


def _edges(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(source, destination, label) of every transition, once each, in definition order."""
    seen: dict[tuple[str, str, str], None] = {}
    for transition in definition.get("transitions", []):
        label = transition.get("label") or transition["trigger"]
        for source in transition.get("sources", []):
            seen.setdefault((source, transition["dest"], label), None)
    return list(seen)


# --- SVG: measurements and colours --------------------------------------------------------

_FONT = "Helvetica, Arial, sans-serif"
_STAGE_FONT_SIZE = 14.0
_EDGE_FONT_SIZE = 12.0
_NODE_HEIGHT = 44.0
_NODE_MIN_WIDTH = 116.0
_NODE_PAD_X = 18.0
_LABEL_HEIGHT = 18.0
_STAGE_TO_LABEL_GAP = 22.0
_NODE_GAP = 36.0
_DUMMY_WIDTH = 10.0
_MARGIN = 28.0
_START_DOT_SPACE = 34.0
_BUS_MIN_SOURCES = 3

_EDGE_COLOUR = "#5b6b82"
_TEXT_COLOUR = "#1f2933"
_STYLE = f"""
.stage rect {{ fill: #eef3fb; stroke: #4a6fa5; stroke-width: 1.5; }}
.stage.start rect {{ fill: #e3f1e6; stroke: #3d8b55; }}
.stage.terminal rect {{ fill: #f1f2f4; stroke: #5f6b7a; }}
.stage.terminal rect.inner {{ fill: none; stroke-width: 1; }}
.stage.current rect {{ fill: #f6c344; stroke: #8a6100; stroke-width: 3; }}
.stage.current rect.inner {{ fill: none; stroke-width: 1; }}
.stage text {{ font: 600 {_STAGE_FONT_SIZE:g}px {_FONT}; fill: {_TEXT_COLOUR}; }}
.edge path {{ fill: none; stroke: {_EDGE_COLOUR}; stroke-width: 1.4; }}
.edge.back path {{ stroke-dasharray: 5 3; }}
.edge circle {{ fill: {_EDGE_COLOUR}; }}
.edge-label rect {{ fill: #ffffff; fill-opacity: 0.92; }}
.edge-label text {{ font: {_EDGE_FONT_SIZE:g}px {_FONT}; fill: #3b4656; }}
.initial {{ fill: {_TEXT_COLOUR}; }}
.title {{ font: 700 15px {_FONT}; fill: {_TEXT_COLOUR}; }}
"""

# Approximate advance widths (in em) of a sans-serif face, enough to size boxes and labels
# without a font library.
_NARROW = set("iljtfr.,;:'!|() ")
_WIDE = set("mwMW@")


def _text_width(text: str, size: float) -> float:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 0.32
        elif char in _WIDE:
            width += 0.86
        elif char.isupper() or char.isdigit():
            width += 0.66
        else:
            width += 0.55
    return width * size


# --- SVG: the layered layout --------------------------------------------------------------


@dataclass
class _Node:
    """A point in the layout: a stage, an edge label, or a bend of a long edge."""

    id: str
    row: int
    width: float
    height: float = 0.0
    stage: dict[str, Any] | None = None
    label: str | None = None
    x: float = 0.0
    y: float = 0.0
    order: float = 0.0


@dataclass
class _Edge:
    """A drawn edge: its chain of layout points from source to destination."""

    source: str
    dest: str
    label: str
    chain: list[str]
    back: bool = False
    bus_sources: list[str] = field(default_factory=list)
    main: bool = False


@dataclass
class _Layout:
    nodes: dict[str, _Node] = field(default_factory=dict)
    rows: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Layout neighbours with a weight: links between adjacent rows and pulls within a row.
    links: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    edges: list[_Edge] = field(default_factory=list)
    self_loops: list[tuple[str, str]] = field(default_factory=list)
    left_loops: list[list[str]] = field(default_factory=list)
    anchored: set[str] = field(default_factory=set)

    def add(self, node: _Node) -> _Node:
        self.nodes[node.id] = node
        self.rows[node.row].append(node.id)
        return node

    def link(self, a: str, b: str, weight: float) -> None:
        self.links[a].append((b, weight))
        self.links[b].append((a, weight))


def _stage_ranks(definition: dict[str, Any]) -> dict[str, int]:
    """Each stage's rank: longest path from the start over the edges that do not close a
    cycle; terminal stages share the last rank."""
    stages = definition.get("stages", [])
    keys = [stage["key"] for stage in stages]
    known = set(keys)
    successors: dict[str, list[str]] = defaultdict(list)
    for source, dest, _ in _edges(definition):
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


def _build_layout(definition: dict[str, Any]) -> _Layout:
    """Stages, label points and bend points on rows, with the links that order them."""
    layout = _Layout()
    stages = {stage["key"]: stage for stage in definition.get("stages", [])}
    ranks = _stage_ranks(definition)
    for key, stage in stages.items():
        label = stage.get("label") or key
        width = max(_NODE_MIN_WIDTH, _text_width(label, _STAGE_FONT_SIZE) + 2 * _NODE_PAD_X)
        layout.add(_Node(f"stage:{key}", 2 * ranks[key], width, _NODE_HEIGHT, stage=stage))

    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, dest, label in _edges(definition):
        if source in stages and dest in stages:
            grouped[(dest, label)].append(source)
    counter = 0
    # The main path (each stage's first step one rank down) is pulled hardest, so it runs
    # straight down the drawing.
    leaves, enters = set(), set()
    for (dest, label), sources in grouped.items():
        others = [s for s in sources if s != dest]
        fan_in = len(others) >= _BUS_MIN_SOURCES and all(ranks[s] < ranks[dest] for s in others)
        if fan_in:
            counter = _add_bus(layout, others, dest, label, ranks, counter)
            others = []
        for source in sources:
            if source == dest:
                layout.self_loops.append((source, label))
        for source in others:
            main = ranks[dest] == ranks[source] + 1 and source not in leaves and dest not in enters
            if main:
                leaves.add(source)
                enters.add(dest)
            counter = _add_edge(layout, source, dest, label, ranks, counter, main=main)
    main_path = {f"stage:{key}" for key in leaves | enters}
    for edge in layout.edges:
        # A loop back along the main path (review back to planning) goes on its left side.
        if edge.back and edge.chain[0] in main_path and edge.chain[-1] in main_path:
            layout.left_loops.append(edge.chain[1:-1])
        if edge.main:
            layout.anchored.update(edge.chain)
    return layout


def _add_edge(
    layout: _Layout,
    source: str,
    dest: str,
    label: str,
    ranks: dict[str, int],
    counter: int,
    *,
    main: bool = False,
) -> int:
    """One edge as a chain of points through the rows between its stages; an edge going up
    is laid out downwards (from its destination) and drawn reversed."""
    back = ranks[dest] <= ranks[source]
    upper, lower = (dest, source) if back else (source, dest)
    top, bottom = 2 * ranks[upper], 2 * ranks[lower]
    if top == bottom:
        # Same rank (only when both are terminal-ranked): detour through the row below.
        bottom = top + 2
    label_row = top + 1 + 2 * ((bottom - top) // 4)
    chain = [f"stage:{upper}"]
    for row in range(top + 1, bottom):
        counter += 1
        node_id = f"bend:{counter}"
        if row == label_row:
            width = _text_width(label, _EDGE_FONT_SIZE) + 12
            layout.add(_Node(node_id, row, width, _LABEL_HEIGHT, label=label))
        else:
            layout.add(_Node(node_id, row, _DUMMY_WIDTH))
        chain.append(node_id)
    chain.append(f"stage:{lower}")
    if 2 * ranks[lower] == bottom:
        for a, b in zip(chain, chain[1:], strict=False):
            layout.link(a, b, 16.0 if main else _link_weight(a, b))
        drawn = list(reversed(chain)) if back else chain
    else:
        # Both stages on the same row: the chain dips below and comes back up.
        for a, b in zip(chain[:-1], chain[1:-1], strict=False):
            layout.link(a, b, _link_weight(a, b))
        layout.link(chain[-2], chain[-1], 1.0)
        drawn = chain
    layout.edges.append(_Edge(source, dest, label, drawn, back=back, main=main))
    return counter


def _add_bus(
    layout: _Layout,
    sources: list[str],
    dest: str,
    label: str,
    ranks: dict[str, int],
    counter: int,
) -> int:
    """A transition many stages share, as one trunk each source joins beside itself."""
    top = 2 * min(ranks[s] for s in sources)
    bottom = 2 * ranks[dest]
    chain = []
    joins = {2 * ranks[s]: [] for s in sources}
    for source in sources:
        joins[2 * ranks[source]].append(source)
    for row in range(top, bottom):
        counter += 1
        node_id = f"bus:{counter}"
        if row == bottom - 1:
            width = _text_width(label, _EDGE_FONT_SIZE) + 12
            layout.add(_Node(node_id, row, width, _LABEL_HEIGHT, label=label))
        else:
            layout.add(_Node(node_id, row, _DUMMY_WIDTH))
        if chain:
            layout.link(chain[-1], node_id, 1.0)
        for source in joins.get(row, []):
            layout.link(node_id, f"stage:{source}", 0.5)
        chain.append(node_id)
    layout.link(chain[-1], f"stage:{dest}", 8.0)
    chain.append(f"stage:{dest}")
    layout.edges.append(_Edge("*", dest, label, chain, bus_sources=sources))
    return counter


def _link_weight(a: str, b: str) -> float:
    # Straight stage-to-stage lines matter most; long edges may bend (graphviz's 1/2/8).
    stages = a.startswith("stage:") + b.startswith("stage:")
    return {2: 8.0, 1: 2.0, 0: 1.0}[stages]


def _order_rows(layout: _Layout) -> None:
    """Order each row by the mean order of its neighbours, keeping the best sweep."""
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


def _trunk(layout: _Layout, node_id: str) -> list[str]:
    for edge in layout.edges:
        if edge.bus_sources and node_id in edge.chain:
            return edge.chain[:-1]
    return []


def _straighten_trunks(layout: _Layout) -> None:
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


def _crossings(layout: _Layout) -> int:
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


def _place_rows(layout: _Layout) -> None:
    """x: each row as close to its neighbours as spacing allows; y: rows top to bottom."""
    rows = sorted(layout.rows)
    for row in rows:
        cursor = 0.0
        for node_id in layout.rows[row]:
            node = layout.nodes[node_id]
            node.x = cursor + node.width / 2
            cursor += node.width + _NODE_GAP
    for sweep in range(12):
        order = rows if sweep % 2 == 0 else list(reversed(rows))
        for row in order:
            _pack_row(layout, layout.rows[row])
        _straighten_trunks(layout)
    _align_main_path(layout)
    _straighten_trunks(layout)
    y = _MARGIN
    for row in range(rows[0], rows[-1] + 1) if rows else []:
        height = _NODE_HEIGHT if row % 2 == 0 else _LABEL_HEIGHT
        for node_id in layout.rows.get(row, []):
            layout.nodes[node_id].y = y + height / 2
        y += height + _STAGE_TO_LABEL_GAP


def _align_main_path(layout: _Layout) -> None:
    """Put each run of main-path edges on one vertical line, nudging the rest of each row
    aside as little as spacing needs."""
    following: dict[str, list[str]] = {}
    starts = []
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


def _move_in_row(layout: _Layout, node_id: str, x: float) -> None:
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


def _pack_row(layout: _Layout, members: list[str]) -> None:
    """Place one row's nodes, in order and spaced apart, nearest their neighbours' mean x.

    Minimising the weighted squared distance to the wished-for positions under the spacing
    constraints is an isotonic regression once each position is shifted by the room the
    nodes to its left need; pool-adjacent-violators solves it exactly.
    """
    if not members:
        return
    wished, weights, offsets = [], [], []
    offset = 0.0
    previous: _Node | None = None
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


def _gap(left: _Node, right: _Node) -> float:
    if left.stage and right.stage:
        return _NODE_GAP
    if left.stage or right.stage or left.label or right.label:
        return _NODE_GAP / 2
    return _NODE_GAP / 4


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


# --- SVG: drawing -------------------------------------------------------------------------


def to_svg(definition: dict[str, Any], highlight: str | None = None) -> str:
    """The definition as a self-contained SVG document (no scripts, fonts or links).

    Stages are rounded boxes in rows by their distance from the start stage, terminal
    stages last; transitions are arrows with their labels; a transition leading back
    (review to planning) is a dashed curve; a transition many stages share is drawn once
    as a trunk. Each stage is a ``<g class="stage …" data-stage="<key>">``; the highlighted
    one also has the class ``current`` and ``aria-current="step"``.

    Args:
        definition: a workflow definition (``stages`` and ``transitions``).
        highlight: the key of a stage to fill as the current one, or ``None``.

    Returns:
        The SVG document as text (UTF-8, valid XML).
    """
    definition = _xml_safe(definition)
    layout = _build_layout(definition)
    if layout.nodes:
        _order_rows(layout)
        _place_rows(layout)
    title = str(definition.get("name") or definition.get("key") or "Workflow")
    top_space = _START_DOT_SPACE + 26
    min_x = min((n.x - n.width / 2 for n in layout.nodes.values()), default=0.0)
    max_x = max((n.x + n.width / 2 for n in layout.nodes.values()), default=200.0)
    max_y = max((n.y + n.height / 2 for n in layout.nodes.values()), default=0.0)
    loop_room = 70.0 if layout.self_loops else 0.0
    shift_x = _MARGIN - min_x
    width = max(max_x - min_x + 2 * _MARGIN + loop_room, _text_width(title, 15) + 2 * _MARGIN)
    height = max_y + top_space + _MARGIN
    for node in layout.nodes.values():
        node.x += shift_x
        node.y += top_space

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": _num(width),
            "height": _num(height),
            "viewBox": f"0 0 {_num(width)} {_num(height)}",
            "role": "img",
            "aria-labelledby": "tpm-diagram-title",
        },
    )
    ET.SubElement(svg, "title", {"id": "tpm-diagram-title"}).text = f"{title}: workflow diagram" + (
        f", current stage {_stage_label(definition, highlight)}" if highlight else ""
    )
    defs = ET.SubElement(svg, "defs")
    ET.SubElement(defs, "style").text = _STYLE
    marker = ET.SubElement(
        defs,
        "marker",
        {
            "id": "tpm-arrow",
            "viewBox": "0 0 10 10",
            "refX": "9",
            "refY": "5",
            "markerWidth": "7",
            "markerHeight": "7",
            "orient": "auto-start-reverse",
            "markerUnits": "userSpaceOnUse",
        },
    )
    ET.SubElement(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": _EDGE_COLOUR})
    ET.SubElement(svg, "rect", {"width": "100%", "height": "100%", "fill": "#ffffff"})
    heading = ET.SubElement(svg, "text", {"class": "title", "x": _num(_MARGIN), "y": "26"})
    heading.text = title

    edges_group = ET.SubElement(svg, "g", {"class": "edges"})
    labels_group = ET.SubElement(svg, "g", {"class": "edge-labels"})
    ports = _ports(layout)
    for edge in layout.edges:
        _draw_edge(edges_group, labels_group, layout, edge, ports)
    for stage_key, label in layout.self_loops:
        _draw_self_loop(edges_group, labels_group, layout.nodes[f"stage:{stage_key}"], label)
    start = next(
        (n for n in layout.nodes.values() if n.stage and n.stage.get("kind") == "start"), None
    )
    if start is not None:
        _draw_initial(edges_group, start)
    stages_group = ET.SubElement(svg, "g", {"class": "stages"})
    for node in layout.nodes.values():
        if node.stage is not None:
            _draw_stage(stages_group, node, node.stage["key"] == highlight)
    ET.indent(svg, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(svg, encoding="unicode") + "\n"


# Characters XML 1.0 cannot carry at all (control characters, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(value: Any) -> Any:
    """A copy of ``value`` with every string stripped of characters XML cannot hold."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    return value


def _stage_label(definition: dict[str, Any], key: str | None) -> str:
    for stage in definition.get("stages", []):
        if stage["key"] == key:
            return stage.get("label") or key
    return str(key)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _ports(layout: _Layout) -> dict[tuple[str, str], float]:
    """Where each edge meets each stage's top or bottom, spread out in the order of the
    points they come from so they do not cross at the box."""
    attached: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
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


def _attach(
    layout: _Layout, ports: dict[tuple[str, str], float], index: int, end: str, neighbour: str
) -> tuple[float, float]:
    node, other = layout.nodes[end], layout.nodes[neighbour]
    x = ports.get((end, f"{index}:{neighbour}"), node.x)
    y = node.y + (node.height / 2 if other.y > node.y else -node.height / 2)
    return x, y


def _smooth_path(points: list[tuple[float, float]]) -> str:
    """A curve through ``points`` that is vertical at each of them (rows run across)."""
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{_num(x0)},{_num(y0)}"]
    for x1, y1 in rest:
        bend = (y1 - y0) / 2
        parts.append(
            f"C{_num(x0)},{_num(y0 + bend)} {_num(x1)},{_num(y1 - bend)} {_num(x1)},{_num(y1)}"
        )
        x0, y0 = x1, y1
    return " ".join(parts)


def _draw_edge(
    edges_group: ET.Element,
    labels_group: ET.Element,
    layout: _Layout,
    edge: _Edge,
    ports: dict[tuple[str, str], float],
) -> None:
    index = layout.edges.index(edge)
    chain = edge.chain
    classes = "edge back" if edge.back else "edge"
    group = ET.SubElement(
        edges_group,
        "g",
        {"class": classes, "data-source": edge.source, "data-dest": edge.dest},
    )
    label_node = next((layout.nodes[n] for n in chain if layout.nodes[n].label), None)
    if edge.bus_sources:
        _draw_bus(group, layout, edge, ports, index)
    else:
        points = [_attach(layout, ports, index, chain[0], chain[1])]
        points += [(layout.nodes[n].x, layout.nodes[n].y) for n in chain[1:-1]]
        points.append(_attach(layout, ports, index, chain[-1], chain[-2]))
        ET.SubElement(group, "path", {"d": _smooth_path(points), "marker-end": "url(#tpm-arrow)"})
    if label_node is not None:
        _draw_label(labels_group, label_node.x, label_node.y, edge.label)


def _draw_bus(
    group: ET.Element,
    layout: _Layout,
    edge: _Edge,
    ports: dict[tuple[str, str], float],
    index: int,
) -> None:
    trunk = [layout.nodes[n] for n in edge.chain[:-1]]
    end = _attach(layout, ports, index, edge.chain[-1], edge.chain[-2])
    points = [(node.x, node.y) for node in trunk] + [end]
    ET.SubElement(group, "path", {"d": _smooth_path(points), "marker-end": "url(#tpm-arrow)"})
    by_row = {node.row: node for node in trunk}
    for source in edge.bus_sources:
        stage = layout.nodes[f"stage:{source}"]
        joint = by_row[stage.row]
        side = 1 if joint.x > stage.x else -1
        low, high = sorted((stage.x, joint.x))
        blocked = any(
            other.stage is not None and other is not stage and low < other.x < high
            for other in (layout.nodes[n] for n in layout.rows[stage.row])
        )
        if blocked:
            # Another stage sits between: pass just underneath the row instead of behind it.
            x_from = stage.x + side * (stage.width / 2 - 16)
            bottom = stage.y + stage.height / 2
            y = bottom + 9
            d = (
                f"M{_num(x_from)},{_num(bottom)} Q{_num(x_from)},{_num(y)} "
                f"{_num(x_from + 9 * side)},{_num(y)} L{_num(joint.x)},{_num(y)}"
            )
        else:
            x_from, y = stage.x + side * stage.width / 2, stage.y
            d = f"M{_num(x_from)},{_num(y)} L{_num(joint.x)},{_num(y)}"
        ET.SubElement(group, "path", {"d": d})
        ET.SubElement(group, "circle", {"cx": _num(joint.x), "cy": _num(y), "r": "2.6"})


def _draw_label(group: ET.Element, x: float, y: float, text: str) -> None:
    width = _text_width(text, _EDGE_FONT_SIZE) + 8
    label = ET.SubElement(group, "g", {"class": "edge-label"})
    ET.SubElement(
        label,
        "rect",
        {
            "x": _num(x - width / 2),
            "y": _num(y - _LABEL_HEIGHT / 2),
            "width": _num(width),
            "height": _num(_LABEL_HEIGHT),
            "rx": "4",
        },
    )
    ET.SubElement(
        label,
        "text",
        {"x": _num(x), "y": _num(y + 4), "text-anchor": "middle"},
    ).text = text


def _draw_self_loop(
    edges_group: ET.Element, labels_group: ET.Element, node: _Node, label: str
) -> None:
    right = node.x + node.width / 2
    top, bottom = node.y - 9, node.y + 9
    group = ET.SubElement(edges_group, "g", {"class": "edge loop"})
    ET.SubElement(
        group,
        "path",
        {
            "d": f"M{_num(right)},{_num(top)} C{_num(right + 34)},{_num(top - 22)} "
            f"{_num(right + 34)},{_num(bottom + 22)} {_num(right)},{_num(bottom)}",
            "marker-end": "url(#tpm-arrow)",
        },
    )
    width = _text_width(label, _EDGE_FONT_SIZE)
    _draw_label(labels_group, right + 30 + width / 2, node.y, label)


def _draw_initial(group: ET.Element, start: _Node) -> None:
    top = start.y - start.height / 2
    ET.SubElement(
        group, "circle", {"class": "initial", "cx": _num(start.x), "cy": _num(top - 30), "r": "7"}
    )
    ET.SubElement(
        ET.SubElement(group, "g", {"class": "edge"}),
        "path",
        {
            "d": f"M{_num(start.x)},{_num(top - 23)} L{_num(start.x)},{_num(top)}",
            "marker-end": "url(#tpm-arrow)",
        },
    )


def _draw_stage(group: ET.Element, node: _Node, current: bool) -> None:
    stage = node.stage or {}
    kind = stage.get("kind", "normal")
    classes = ["stage", kind] + (["current"] if current else [])
    attributes = {"class": " ".join(classes), "data-stage": stage["key"]}
    if current:
        attributes["aria-current"] = "step"
    box = ET.SubElement(group, "g", attributes)
    description = stage.get("description")
    ET.SubElement(box, "title").text = f"{stage.get('label') or stage['key']} ({stage['key']})" + (
        f": {description}" if description else ""
    )
    left, top = node.x - node.width / 2, node.y - node.height / 2
    ET.SubElement(
        box,
        "rect",
        {
            "x": _num(left),
            "y": _num(top),
            "width": _num(node.width),
            "height": _num(node.height),
            "rx": "12",
        },
    )
    if kind == "terminal":
        inset = 4.0
        ET.SubElement(
            box,
            "rect",
            {
                "class": "inner",
                "x": _num(left + inset),
                "y": _num(top + inset),
                "width": _num(node.width - 2 * inset),
                "height": _num(node.height - 2 * inset),
                "rx": "9",
            },
        )
    ET.SubElement(
        box,
        "text",
        {"x": _num(node.x), "y": _num(node.y + 5), "text-anchor": "middle"},
    ).text = stage.get("label") or stage["key"]
