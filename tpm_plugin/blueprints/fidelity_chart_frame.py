"""The fidelity chart's frame: its geometry (width, margins, panel height), a panel's
scale, and what surrounds the weeks' marks: each panel's heading and legend, its grid, its
target line, and the week axis under the lower panel (see :mod:`.fidelity_chart`)."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from ..i18n import gettext
from ..workflows.diagram.drawing import number
from ..workflows.diagram.style import text_width
from .fidelity_chart_words import day_and_month, minutes

#: The chart's width in pixels.
WIDTH = 720.0
#: The margins left and right of the panels (the left one holds the grid's figures).
LEFT = 56.0
RIGHT = 24.0
#: The height of either panel.
PANEL_HEIGHT = 150.0
#: The size of the figures on the axes and over the bars.
LABEL_SIZE = 11.0


@dataclass(frozen=True)
class Panel:
    """One panel: its top edge, the value at its top, and the step between grid lines."""

    top: float
    ceiling: float
    step: float

    def y(self, value: float) -> float:
        """The height at which ``value`` is drawn in this panel."""
        return self.top + PANEL_HEIGHT * (1 - value / self.ceiling)


def scale(highest: float) -> tuple[float, float]:
    """A ceiling at or above ``highest`` and a round step that divides it in 2 to 5 parts."""
    if highest <= 0:
        return 1.0, 1.0
    rough = highest / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    step = max(step, 1.0)
    return step * math.ceil(highest / step), step


def week_x(index: int, slot: float) -> float:
    """The middle of the ``index``-th week's slot, ``slot`` pixels wide."""
    return LEFT + (index + 0.5) * slot


def text(
    parent: ET.Element,
    x: float,
    y: float,
    words: str,
    css: str | None = None,
    anchor: str | None = None,
) -> ET.Element:
    """A ``<text>`` of ``words`` at (``x``, ``y``) in ``parent``."""
    attributes = {"x": number(x), "y": number(y)}
    if css:
        attributes["class"] = css
    if anchor:
        attributes["text-anchor"] = anchor
    element = ET.SubElement(parent, "text", attributes)
    element.text = words
    return element


def heading(
    svg: ET.Element, y: float, title: str, note: str, parts: list[tuple[str, str]], target: str
) -> None:
    """The panel's title and note, then its legend: a swatch per part, the target line, the
    below-target marker."""
    title_text = text(svg, LEFT, y, title, "panel-title")
    ET.SubElement(title_text, "tspan", {"class": "note", "dx": "10"}).text = note
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    x, row = LEFT, y + 18
    for css, label in parts:
        ET.SubElement(
            legend,
            "rect",
            {"class": css, "x": number(x), "y": number(row - 9), "width": "10", "height": "10"},
        )
        x = _legend_text(legend, x + 14, row, label)
    ET.SubElement(legend, "path", {"class": "target", "d": f"M{number(x)},{number(row - 4)} h16"})
    x = _legend_text(legend, x + 20, row, target)
    ET.SubElement(
        legend,
        "rect",
        {"class": "band", "x": number(x), "y": number(row - 11), "width": "16", "height": "14"},
    )
    ET.SubElement(
        legend,
        "path",
        {"class": "marker", "d": f"M{number(x + 3)},{number(row - 8)} h10 l-5,6 z"},
    )
    _legend_text(legend, x + 20, row, gettext("below target"))


def _legend_text(legend: ET.Element, x: float, y: float, label: str) -> float:
    text(legend, x, y, label)
    return x + text_width(label, 11) + 14


def grid(svg: ET.Element, panel: Panel) -> None:
    """The panel's horizontal grid lines, each with its value at the left."""
    lines = ET.SubElement(svg, "g", {"class": "grid axis"})
    ticks = int(round(panel.ceiling / panel.step))
    for tick in range(ticks + 1):
        value = tick * panel.step
        y = panel.y(value)
        attributes = {"x1": number(LEFT), "x2": number(WIDTH - RIGHT), "y1": number(y)}
        attributes["y2"] = attributes["y1"]
        if tick == 0:
            attributes["class"] = "zero"
        ET.SubElement(lines, "line", attributes)
        text(lines, LEFT - 8, y + 4, minutes(value), anchor="end")


def target_line(svg: ET.Element, panel: Panel, slot: float, targets: Sequence[float]) -> None:
    """The target as a step line: level across each week, joined where it changes."""
    if not targets:
        return
    points = []
    for index, target in enumerate(targets):
        y = number(panel.y(target))
        left, right = LEFT + index * slot, LEFT + (index + 1) * slot
        points.append(f"{'M' if index == 0 else 'L'}{number(left)},{y} L{number(right)},{y}")
    ET.SubElement(svg, "path", {"class": "target", "d": " ".join(points)})


def week_axis(svg: ET.Element, y: float, slot: float, mondays: Sequence[dt.date]) -> None:
    """The week start dates under the lower panel, thinned out so none overlap; the year is
    written under the first date and wherever it changes."""
    axis = ET.SubElement(svg, "g", {"class": "axis weeks"})
    stride = max(1, math.ceil((text_width("30 Sep", LABEL_SIZE) + 10) / slot))
    shown_year = None
    for index, monday in enumerate(mondays):
        if index % stride:
            continue
        x = week_x(index, slot)
        text(axis, x, y, day_and_month(monday), anchor="middle")
        if monday.year != shown_year:
            text(axis, x, y + 14, str(monday.year), "year", anchor="middle")
            shown_year = monday.year
