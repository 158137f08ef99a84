"""Change across reviews drawn as a self-contained SVG chart: one line per domain (self,
others, school, work, play) over the partnership's reviews, ratings 1 (broken) to 5
(strong).

Each review is a column ``<g class="review" data-review="<id>">`` whose ``<title>`` states
its ratings in words, for screen readers and as a tooltip; each domain's line carries its
own marker shape as well as its colour, so it does not rest on colour alone. Only ids,
dates and ratings are drawn: nobody's name or words reach the picture.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..models import DOMAINS
from ..services.change import PartnershipChange
from ..workflows.diagram.drawing import number

WIDTH = 640.0
_LEFT = 64.0
_RIGHT = 110.0
_TOP = 58.0
_HEIGHT = 200.0
_FONT = "Helvetica, Arial, sans-serif"
_TEXT = "#1f2933"
_MUTED = "#52606d"
_COLOURS = dict(zip(DOMAINS, ("#4a6fa5", "#3d8b55", "#c0392b", "#8e44ad", "#f0a43c"), strict=True))
_STYLESHEET = f"""
text {{ font-family: {_FONT}; fill: {_TEXT}; }}
.title {{ font-size: 15px; font-weight: 700; }}
.subtitle {{ font-size: 12px; fill: {_MUTED}; }}
.axis text {{ font-size: 11px; fill: {_MUTED}; }}
.grid line {{ stroke: #e4e7eb; stroke-width: 1; }}
.domain path {{ fill: none; stroke-width: 2; }}
.domain text {{ font-size: 12px; font-weight: 600; }}
"""


def change_svg(change: PartnershipChange) -> str:
    """The partnership's ratings per domain across its reviews, as SVG text."""
    reviews = change.reviews
    plot_width = WIDTH - _LEFT - _RIGHT
    slot = plot_width / max(len(reviews), 1)
    height = _TOP + _HEIGHT + 48.0
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {number(WIDTH)} {number(height)}",
            "width": number(WIDTH),
            "height": number(height),
            "role": "img",
            "aria-labelledby": "tpm-change-title",
            "class": "tpm-change",
        },
    )
    ET.SubElement(svg, "style").text = _STYLESHEET
    title = ET.SubElement(
        svg, "text", {"id": "tpm-change-title", "class": "title", "x": "16", "y": "24"}
    )
    title.text = f"Partnership {change.partnership_id}: connection in each domain across reviews"
    subtitle = ET.SubElement(svg, "text", {"class": "subtitle", "x": "16", "y": "42"})
    subtitle.text = (
        f"{len(reviews)} review{'s' if len(reviews) != 1 else ''}; 1 = broken, 5 = strong"
        if reviews
        else "No review has rated the domains yet."
    )
    _grid(svg)
    for index, review in enumerate(reviews):
        _review_column(svg, review, index, slot)
    for position, domain in enumerate(DOMAINS):
        _domain_line(svg, change, domain, position, slot)
    return ET.tostring(svg, encoding="unicode")


def _y(rating: float) -> float:
    return _TOP + _HEIGHT - (rating - 1) / 4 * _HEIGHT


def _x(index: int, slot: float) -> float:
    return _LEFT + slot * (index + 0.5)


def _grid(svg: ET.Element) -> None:
    grid = ET.SubElement(svg, "g", {"class": "grid"})
    axis = ET.SubElement(svg, "g", {"class": "axis"})
    for rating in range(1, 6):
        y = number(_y(rating))
        ET.SubElement(
            grid, "line", {"x1": number(_LEFT), "x2": number(WIDTH - _RIGHT), "y1": y, "y2": y}
        )
        label = ET.SubElement(
            axis,
            "text",
            {"x": number(_LEFT - 10), "y": number(_y(rating) + 4), "text-anchor": "end"},
        )
        label.text = str(rating)


def _review_column(svg: ET.Element, review, index: int, slot: float) -> None:
    group = ET.SubElement(svg, "g", {"class": "review axis", "data-review": str(review.review_id)})
    rated = [f"{domain} {value}" for domain, value in review.ratings.items() if value is not None]
    ET.SubElement(group, "title").text = (
        f"Review {review.review_id} on {review.held_at.date().isoformat()} "
        f"({review.outcome}): {', '.join(rated) or 'no ratings'}"
    )
    label = ET.SubElement(
        group,
        "text",
        {"x": number(_x(index, slot)), "y": number(_TOP + _HEIGHT + 22), "text-anchor": "middle"},
    )
    label.text = review.held_at.date().isoformat()


def _domain_line(
    svg: ET.Element, change: PartnershipChange, domain: str, position: int, slot: float
) -> None:
    points = [
        (_x(index, slot), _y(review.ratings[domain]))
        for index, review in enumerate(change.reviews)
        if review.ratings[domain] is not None
    ]
    colour = _COLOURS[domain]
    group = ET.SubElement(svg, "g", {"class": "domain", "data-domain": domain})
    if len(points) > 1:
        path = " ".join(
            f"{'M' if n == 0 else 'L'}{number(x)},{number(y)}" for n, (x, y) in enumerate(points)
        )
        ET.SubElement(group, "path", {"d": path, "stroke": colour})
    for x, y in points:
        _marker(group, position, x, y, colour)
    legend_y = _TOP + 12 + position * 20
    _marker(group, position, WIDTH - _RIGHT + 18, legend_y - 4, colour)
    difference = change.difference[domain]
    label = ET.SubElement(group, "text", {"x": number(WIDTH - _RIGHT + 28), "y": number(legend_y)})
    label.text = domain if difference is None else f"{domain} {difference:+d}"


def _marker(group: ET.Element, position: int, x: float, y: float, colour: str) -> None:
    # A shape per domain (circle, square, diamond, triangle, cross) besides the colour.
    size = 4.5
    attributes = {"fill": colour}
    if position == 0:
        ET.SubElement(
            group, "circle", {"cx": number(x), "cy": number(y), "r": number(size), **attributes}
        )
        return
    shapes = {
        1: [(-1, -1), (1, -1), (1, 1), (-1, 1)],
        2: [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
        3: [(0, -1.3), (1.2, 1), (-1.2, 1)],
        4: [
            (-1, -0.35),
            (-0.35, -0.35),
            (-0.35, -1),
            (0.35, -1),
            (0.35, -0.35),
            (1, -0.35),
            (1, 0.35),
            (0.35, 0.35),
            (0.35, 1),
            (-0.35, 1),
            (-0.35, 0.35),
            (-1, 0.35),
        ],
    }
    corners = " ".join(
        f"{number(x + dx * size)},{number(y + dy * size)}" for dx, dy in shapes[position]
    )
    ET.SubElement(group, "polygon", {"points": corners, **attributes})
