"""The layout graph of a workflow definition: stages on even rows, and every edge as a chain
of points through the rows it crosses.

The odd row between two stage rows holds an edge's label as a point as wide as the text,
so labels take room in the layout and never sit on a box or on each other. A transition
that many stages share becomes one trunk that each source joins.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .edges import transition_edges
from .ranks import stage_ranks
from .style import (
    DUMMY_WIDTH,
    EDGE_FONT_SIZE,
    LABEL_HEIGHT,
    NODE_HEIGHT,
    NODE_MIN_WIDTH,
    NODE_PAD_X,
    STAGE_FONT_SIZE,
    text_width,
)

# A transition shared by this many stages (withdraw from anywhere) is drawn once, as a
# trunk, rather than as that many crossing arrows.
_BUS_MIN_SOURCES = 3


@dataclass
class Node:
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
class Edge:
    """A drawn edge: its chain of layout points from source to destination."""

    source: str
    dest: str
    label: str
    chain: list[str]
    back: bool = False
    bus_sources: list[str] = field(default_factory=list)
    main: bool = False


@dataclass
class Layout:
    """The layered drawing being built: points on rows, the links that pull them together,
    and the edges drawn through them."""

    nodes: dict[str, Node] = field(default_factory=dict)
    rows: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Layout neighbours with a weight: links between adjacent rows and pulls within a row.
    links: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    edges: list[Edge] = field(default_factory=list)
    self_loops: list[tuple[str, str]] = field(default_factory=list)
    left_loops: list[list[str]] = field(default_factory=list)
    anchored: set[str] = field(default_factory=set)

    def add(self, node: Node) -> Node:
        """Put ``node`` on its row, after the nodes already there, and return it."""
        self.nodes[node.id] = node
        self.rows[node.row].append(node.id)
        return node

    def link(self, a: str, b: str, weight: float) -> None:
        """Make nodes ``a`` and ``b`` neighbours that pull on each other with ``weight``."""
        self.links[a].append((b, weight))
        self.links[b].append((a, weight))


def build_layout(definition: dict[str, Any]) -> Layout:
    """Stages, label points and bend points on rows, with the links that order them.

    Args:
        definition: a workflow definition (``stages`` and ``transitions``); transitions
            between stages it does not define are left out.

    Returns:
        The layout, not yet ordered or placed: every ``x`` and ``y`` is 0.
    """
    layout = Layout()
    stages = {stage["key"]: stage for stage in definition.get("stages", [])}
    ranks = stage_ranks(definition)
    for key, stage in stages.items():
        label = stage.get("label") or key
        width = max(NODE_MIN_WIDTH, text_width(label, STAGE_FONT_SIZE) + 2 * NODE_PAD_X)
        layout.add(Node(f"stage:{key}", 2 * ranks[key], width, NODE_HEIGHT, stage=stage))

    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source, dest, label in transition_edges(definition):
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
    layout: Layout,
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
            width = text_width(label, EDGE_FONT_SIZE) + 12
            layout.add(Node(node_id, row, width, LABEL_HEIGHT, label=label))
        else:
            layout.add(Node(node_id, row, DUMMY_WIDTH))
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
    layout.edges.append(Edge(source, dest, label, drawn, back=back, main=main))
    return counter


def _add_bus(
    layout: Layout,
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
            width = text_width(label, EDGE_FONT_SIZE) + 12
            layout.add(Node(node_id, row, width, LABEL_HEIGHT, label=label))
        else:
            layout.add(Node(node_id, row, DUMMY_WIDTH))
        if chain:
            layout.link(chain[-1], node_id, 1.0)
        for source in joins.get(row, []):
            layout.link(node_id, f"stage:{source}", 0.5)
        chain.append(node_id)
    layout.link(chain[-1], f"stage:{dest}", 8.0)
    chain.append(f"stage:{dest}")
    layout.edges.append(Edge("*", dest, label, chain, bus_sources=sources))
    return counter


def _link_weight(a: str, b: str) -> float:
    # Straight stage-to-stage lines matter most; long edges may bend (graphviz's 1/2/8).
    stages = a.startswith("stage:") + b.startswith("stage:")
    return {2: 8.0, 1: 2.0, 0: 1.0}[stages]
