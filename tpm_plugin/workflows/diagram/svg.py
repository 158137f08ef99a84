"""A workflow definition as a self-contained SVG document: lay it out, then draw it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from .drawing import draw_edge, draw_initial, draw_self_loop, draw_stage, number
from .layout import build_layout
from .ordering import order_rows
from .placement import place_rows
from .ports import edge_ports
from .style import EDGE_COLOUR, MARGIN, START_DOT_SPACE, STYLESHEET, text_width


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
    layout = build_layout(definition)
    if layout.nodes:
        order_rows(layout)
        place_rows(layout)
    title = str(definition.get("name") or definition.get("key") or "Workflow")
    top_space = START_DOT_SPACE + 26
    min_x = min((n.x - n.width / 2 for n in layout.nodes.values()), default=0.0)
    max_x = max((n.x + n.width / 2 for n in layout.nodes.values()), default=200.0)
    max_y = max((n.y + n.height / 2 for n in layout.nodes.values()), default=0.0)
    loop_room = 70.0 if layout.self_loops else 0.0
    shift_x = MARGIN - min_x
    width = max(max_x - min_x + 2 * MARGIN + loop_room, text_width(title, 15) + 2 * MARGIN)
    height = max_y + top_space + MARGIN
    for node in layout.nodes.values():
        node.x += shift_x
        node.y += top_space

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": number(width),
            "height": number(height),
            "viewBox": f"0 0 {number(width)} {number(height)}",
            "role": "img",
            "aria-labelledby": "tpm-diagram-title",
        },
    )
    ET.SubElement(svg, "title", {"id": "tpm-diagram-title"}).text = f"{title}: workflow diagram" + (
        f", current stage {_stage_label(definition, highlight)}" if highlight else ""
    )
    defs = ET.SubElement(svg, "defs")
    ET.SubElement(defs, "style").text = STYLESHEET
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
    ET.SubElement(marker, "path", {"d": "M0,0 L10,5 L0,10 z", "fill": EDGE_COLOUR})
    ET.SubElement(svg, "rect", {"width": "100%", "height": "100%", "fill": "#ffffff"})
    heading = ET.SubElement(svg, "text", {"class": "title", "x": number(MARGIN), "y": "26"})
    heading.text = title

    edges_group = ET.SubElement(svg, "g", {"class": "edges"})
    labels_group = ET.SubElement(svg, "g", {"class": "edge-labels"})
    ports = edge_ports(layout)
    for edge in layout.edges:
        draw_edge(edges_group, labels_group, layout, edge, ports)
    for stage_key, label in layout.self_loops:
        draw_self_loop(edges_group, labels_group, layout.nodes[f"stage:{stage_key}"], label)
    start = next(
        (n for n in layout.nodes.values() if n.stage and n.stage.get("kind") == "start"), None
    )
    if start is not None:
        draw_initial(edges_group, start)
    stages_group = ET.SubElement(svg, "g", {"class": "stages"})
    for node in layout.nodes.values():
        if node.stage is not None:
            draw_stage(stages_group, node, node.stage["key"] == highlight)
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
