"""The SVG elements of a placed layout: edges as smooth curves, trunks with their joins,
edge labels, self-loops, the initial dot, and stage boxes."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .layout import Edge, Layout, Node
from .ports import attach_point
from .style import EDGE_FONT_SIZE, LABEL_HEIGHT, text_width


def number(value: float) -> str:
    """``value`` as SVG attribute text: at most one decimal, no trailing zeros."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _smooth_path(points: list[tuple[float, float]]) -> str:
    """A curve through ``points`` that is vertical at each of them (rows run across)."""
    (x0, y0), rest = points[0], points[1:]
    parts = [f"M{number(x0)},{number(y0)}"]
    for x1, y1 in rest:
        bend = (y1 - y0) / 2
        parts.append(
            f"C{number(x0)},{number(y0 + bend)} "
            f"{number(x1)},{number(y1 - bend)} {number(x1)},{number(y1)}"
        )
        x0, y0 = x1, y1
    return " ".join(parts)


def draw_edge(
    edges_group: ET.Element,
    labels_group: ET.Element,
    layout: Layout,
    edge: Edge,
    ports: dict[tuple[str, str], float],
) -> None:
    """Draw ``edge`` into ``edges_group`` and its label, if any, into ``labels_group``.

    Args:
        edges_group: the ``<g>`` that holds the edges' curves.
        labels_group: the ``<g>`` that holds the edges' labels, drawn over every curve.
        layout: the placed layout ``edge`` belongs to.
        edge: one of ``layout.edges``; a trunk is drawn with a join from each source.
        ports: where edges meet stages, from :func:`~.ports.edge_ports`.
    """
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
        points = [attach_point(layout, ports, index, chain[0], chain[1])]
        points += [(layout.nodes[n].x, layout.nodes[n].y) for n in chain[1:-1]]
        points.append(attach_point(layout, ports, index, chain[-1], chain[-2]))
        ET.SubElement(group, "path", {"d": _smooth_path(points), "marker-end": "url(#tpm-arrow)"})
    if label_node is not None:
        _draw_label(labels_group, label_node.x, label_node.y, edge.label)


def _draw_bus(
    group: ET.Element,
    layout: Layout,
    edge: Edge,
    ports: dict[tuple[str, str], float],
    index: int,
) -> None:
    trunk = [layout.nodes[n] for n in edge.chain[:-1]]
    end = attach_point(layout, ports, index, edge.chain[-1], edge.chain[-2])
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
                f"M{number(x_from)},{number(bottom)} Q{number(x_from)},{number(y)} "
                f"{number(x_from + 9 * side)},{number(y)} L{number(joint.x)},{number(y)}"
            )
        else:
            x_from, y = stage.x + side * stage.width / 2, stage.y
            d = f"M{number(x_from)},{number(y)} L{number(joint.x)},{number(y)}"
        ET.SubElement(group, "path", {"d": d})
        ET.SubElement(group, "circle", {"cx": number(joint.x), "cy": number(y), "r": "2.6"})


def _draw_label(group: ET.Element, x: float, y: float, text: str) -> None:
    width = text_width(text, EDGE_FONT_SIZE) + 8
    label = ET.SubElement(group, "g", {"class": "edge-label"})
    ET.SubElement(
        label,
        "rect",
        {
            "x": number(x - width / 2),
            "y": number(y - LABEL_HEIGHT / 2),
            "width": number(width),
            "height": number(LABEL_HEIGHT),
            "rx": "4",
        },
    )
    ET.SubElement(
        label,
        "text",
        {"x": number(x), "y": number(y + 4), "text-anchor": "middle"},
    ).text = text


def draw_self_loop(
    edges_group: ET.Element, labels_group: ET.Element, node: Node, label: str
) -> None:
    """Draw a transition from a stage back to itself as a loop on the stage's right.

    Args:
        edges_group: the ``<g>`` that holds the edges' curves.
        labels_group: the ``<g>`` that holds the edges' labels.
        node: the placed stage.
        label: the transition's label.
    """
    right = node.x + node.width / 2
    top, bottom = node.y - 9, node.y + 9
    group = ET.SubElement(edges_group, "g", {"class": "edge loop"})
    ET.SubElement(
        group,
        "path",
        {
            "d": f"M{number(right)},{number(top)} C{number(right + 34)},{number(top - 22)} "
            f"{number(right + 34)},{number(bottom + 22)} {number(right)},{number(bottom)}",
            "marker-end": "url(#tpm-arrow)",
        },
    )
    width = text_width(label, EDGE_FONT_SIZE)
    _draw_label(labels_group, right + 30 + width / 2, node.y, label)


def draw_initial(group: ET.Element, start: Node) -> None:
    """Draw the initial dot above the start stage, with an arrow into it.

    Args:
        group: the ``<g>`` to draw into.
        start: the placed start stage.
    """
    top = start.y - start.height / 2
    ET.SubElement(
        group,
        "circle",
        {"class": "initial", "cx": number(start.x), "cy": number(top - 30), "r": "7"},
    )
    ET.SubElement(
        ET.SubElement(group, "g", {"class": "edge"}),
        "path",
        {
            "d": f"M{number(start.x)},{number(top - 23)} L{number(start.x)},{number(top)}",
            "marker-end": "url(#tpm-arrow)",
        },
    )


def draw_stage(group: ET.Element, node: Node, current: bool) -> None:
    """Draw a stage as a rounded box with its label, a tooltip and ``data-stage``; a
    terminal stage gets a second, inner border.

    Args:
        group: the ``<g>`` to draw into.
        node: the placed stage.
        current: whether this is the highlighted stage (class ``current``,
            ``aria-current="step"``).
    """
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
            "x": number(left),
            "y": number(top),
            "width": number(node.width),
            "height": number(node.height),
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
                "x": number(left + inset),
                "y": number(top + inset),
                "width": number(node.width - 2 * inset),
                "height": number(node.height - 2 * inset),
                "rx": "9",
            },
        )
    ET.SubElement(
        box,
        "text",
        {"x": number(node.x), "y": number(node.y + 5), "text-anchor": "middle"},
    ).text = stage.get("label") or stage["key"]
