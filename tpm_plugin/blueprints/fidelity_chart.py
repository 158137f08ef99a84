"""Fidelity drawn as a self-contained SVG chart: two panels sharing the week axis.

The upper panel stacks each week's meetings (held, then cancelled by the client, the
partner or the center, then no-shows) against the target; the lower one shows supervision
minutes delivered against the minutes owed. A week below target gets a tinted band and a
red marker in that panel, so the marking does not rest on colour alone. Every week is a
``<g class="week" data-week="YYYY-MM-DD">`` whose ``<title>`` states its figures in words,
for screen readers and as a tooltip.

Only ids, dates and counts are drawn: nobody's name reaches the picture.

Its words are in the language Flask-Babel chose for the request (the pages' viewer's, see
:mod:`tpm_plugin.i18n`; the API's ``format=svg`` the same way, so the picture a page shows
speaks the page's language), month names and numbers as Babel writes them in that locale.
English outside a request.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from ..i18n import gettext, lazy_gettext, ngettext
from ..services.fidelity import Fidelity, WeekFigures
from ..workflows.diagram.drawing import number
from ..workflows.diagram.style import text_width
from .fidelity_chart_words import (
    below_note,
    below_suffix,
    day_and_month,
    minutes,
    owed,
    summary,
    title_of,
    whole,
    window_line,
)

WIDTH = 720.0
_LEFT = 56.0
_RIGHT = 24.0
_PANEL_HEIGHT = 150.0
_BAR_MAX_WIDTH = 34.0
_LABEL_SIZE = 11.0
_FONT = "Helvetica, Arial, sans-serif"
_TEXT = "#1f2933"
_MUTED = "#52606d"
_BELOW = "#c0392b"

#: Meeting outcomes, stacked bottom to top: (field of WeekFigures, CSS class, legend text).
_MEETING_PARTS = (
    ("meetings_held", "held", lazy_gettext("held")),
    ("cancelled_by_client", "by-client", lazy_gettext("cancelled by client")),
    ("cancelled_by_partner", "by-partner", lazy_gettext("by partner")),
    ("cancelled_by_center", "by-center", lazy_gettext("by center")),
    ("no_shows", "no-show", lazy_gettext("no-show")),
)

_STYLESHEET = f"""
text {{ font-family: {_FONT}; fill: {_TEXT}; }}
.title {{ font-size: 15px; font-weight: 700; }}
.subtitle {{ font-size: 12px; fill: {_MUTED}; }}
.panel-title {{ font-size: 13px; font-weight: 600; }}
.panel-title .note {{ font-weight: 400; fill: {_MUTED}; }}
.legend text {{ font-size: 11px; fill: {_MUTED}; }}
.axis text {{ font-size: {_LABEL_SIZE:g}px; fill: {_MUTED}; }}
.axis .year {{ font-weight: 600; }}
.grid line {{ stroke: #e4e7eb; stroke-width: 1; }}
.grid line.zero {{ stroke: #9aa5b1; }}
.value {{ font-size: {_LABEL_SIZE:g}px; font-weight: 600; paint-order: stroke;
  stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }}
.value.below {{ fill: {_BELOW}; }}
.value.inside {{ fill: #ffffff; stroke: none; }}
.held {{ fill: #4a6fa5; }}
.by-client {{ fill: #cbd2d9; }}
.by-partner {{ fill: #9aa5b1; }}
.by-center {{ fill: #616e7c; }}
.no-show {{ fill: #f0a43c; }}
.delivered {{ fill: #3d8b55; }}
.target {{ fill: none; stroke: {_TEXT}; stroke-width: 2; stroke-linejoin: round; }}
.band {{ fill: #fdecea; }}
.marker {{ fill: {_BELOW}; }}
"""


@dataclass(frozen=True)
class _Panel:
    """One panel: its top edge, the value at its top, and the step between grid lines."""

    top: float
    ceiling: float
    step: float

    def y(self, value: float) -> float:
        return self.top + _PANEL_HEIGHT * (1 - value / self.ceiling)


def fidelity_svg(fidelity: Fidelity) -> str:
    """``fidelity`` as a self-contained SVG document (no scripts, fonts or links).

    Args:
        fidelity: what :func:`tpm_plugin.services.fidelity.partnership_fidelity` (or the
            partner, supervisor or program variant) answered.

    Returns:
        The SVG document as text (UTF-8, valid XML), :data:`WIDTH` pixels wide.
    """
    weeks = fidelity.weeks
    slot = (WIDTH - _LEFT - _RIGHT) / max(len(weeks), 1)
    meetings = _Panel(
        112.0, *_scale(max((max(_stack_total(w), w.meetings_target) for w in weeks), default=0))
    )
    supervision = _Panel(
        meetings.top + _PANEL_HEIGHT + 92,
        *_scale(
            max(
                (max(w.supervision_minutes_owed, w.supervision_minutes_delivered) for w in weeks),
                default=0,
            )
        ),
    )
    height = supervision.top + _PANEL_HEIGHT + 52

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "width": number(WIDTH),
            "height": number(height),
            "viewBox": f"0 0 {number(WIDTH)} {number(height)}",
            "role": "img",
            "aria-labelledby": "tpm-fidelity-title tpm-fidelity-desc",
        },
    )
    title = title_of(fidelity)
    ET.SubElement(svg, "title", {"id": "tpm-fidelity-title"}).text = title
    ET.SubElement(svg, "desc", {"id": "tpm-fidelity-desc"}).text = summary(fidelity)
    ET.SubElement(ET.SubElement(svg, "defs"), "style").text = _STYLESHEET
    ET.SubElement(svg, "rect", {"width": "100%", "height": "100%", "fill": "#ffffff"})
    _text(svg, _LEFT, 28, title, "title")
    _text(svg, _LEFT, 48, window_line(fidelity), "subtitle")

    _heading(
        svg,
        meetings.top - 40,
        gettext("Meetings per week"),
        below_note(fidelity.meeting_weeks_below_target, len(weeks)),
        [(css, str(label)) for _, css, label in _MEETING_PARTS],
        gettext("target"),
    )
    _grid(svg, meetings)
    meeting_values = _values_group([str(w.meetings_held) for w in weeks], slot)
    meeting_group = ET.SubElement(svg, "g", {"class": "meetings"})
    for index, week in enumerate(weeks):
        _meeting_week(meeting_group, meetings, _x(index, slot), slot, week, meeting_values)
    _target_line(svg, meetings, slot, [w.meetings_target for w in weeks])
    if meeting_values is not None:
        # Over the target line, so it never strikes a figure through.
        svg.append(meeting_values)

    _heading(
        svg,
        supervision.top - 40,
        gettext("Supervision minutes per week"),
        below_note(fidelity.supervision_weeks_below_target, len(weeks)),
        [("delivered", gettext("delivered"))],
        gettext("owed"),
    )
    _grid(svg, supervision)
    supervision_values = _values_group(
        [whole(w.supervision_minutes_delivered) for w in weeks], slot
    )
    supervision_group = ET.SubElement(svg, "g", {"class": "supervision"})
    for index, week in enumerate(weeks):
        _supervision_week(
            supervision_group, supervision, _x(index, slot), slot, week, supervision_values
        )
    _target_line(svg, supervision, slot, [w.supervision_minutes_owed for w in weeks])
    if supervision_values is not None:
        svg.append(supervision_values)

    _week_axis(svg, supervision.top + _PANEL_HEIGHT + 16, slot, [w.monday for w in weeks])
    ET.indent(svg, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(svg, encoding="unicode") + "\n"


# --- weeks -----------------------------------------------------------------------------------


def _meeting_week(
    parent: ET.Element,
    panel: _Panel,
    x: float,
    slot: float,
    week: WeekFigures,
    values: ET.Element | None,
) -> None:
    below = week.meetings_below_target
    group = _week_group(parent, week, below)
    cancelled = week.cancelled_by_client + week.cancelled_by_partner + week.cancelled_by_center
    words = gettext(
        "Week of %(monday)s: %(held)s of %(target)s meetings held; %(cancelled)s cancelled "
        "(%(client)s by client, %(partner)s by partner, %(center)s by center); %(no_shows)s",
        monday=week.monday.isoformat(),
        held=week.meetings_held,
        target=owed(week.meetings_target),
        cancelled=cancelled,
        client=week.cancelled_by_client,
        partner=week.cancelled_by_partner,
        center=week.cancelled_by_center,
        no_shows=ngettext("%(num)s no-show", "%(num)s no-shows", week.no_shows),
    )
    ET.SubElement(group, "title").text = words + (below_suffix() if below else "")
    if below:
        _below_marks(group, panel, x, slot)
    bar_width = min(slot * 0.62, _BAR_MAX_WIDTH)
    base = 0
    for attribute, css, _ in _MEETING_PARTS:
        count = getattr(week, attribute)
        if count:
            _bar(group, panel, x, bar_width, base, base + count, css)
            base += count
    held = str(week.meetings_held)
    if values is None:
        return
    if panel.y(0) - panel.y(week.meetings_held) >= _LABEL_SIZE + 6:
        # At the foot of the held segment: it cannot be read as the height of the whole stack,
        # and the target line, drawn over the bars, does not run through it.
        _value(values, panel, x, 0, held, "inside", offset=6)
    else:
        _value(values, panel, x, _stack_total(week), held, "below" if below else None)


def _supervision_week(
    parent: ET.Element,
    panel: _Panel,
    x: float,
    slot: float,
    week: WeekFigures,
    values: ET.Element | None,
) -> None:
    below = week.supervision_below_target
    group = _week_group(parent, week, below)
    ET.SubElement(group, "title").text = gettext(
        "Week of %(monday)s: %(delivered)s of %(owed)s supervision minutes delivered",
        monday=week.monday.isoformat(),
        delivered=minutes(week.supervision_minutes_delivered),
        owed=minutes(week.supervision_minutes_owed),
    ) + (below_suffix() if below else "")
    if below:
        _below_marks(group, panel, x, slot)
    delivered = week.supervision_minutes_delivered
    if delivered:
        _bar(group, panel, x, min(slot * 0.62, _BAR_MAX_WIDTH), 0, delivered, "delivered")
    if values is not None:
        _value(values, panel, x, delivered, whole(delivered), "below" if below else None)


def _week_group(parent: ET.Element, week: WeekFigures, below: bool) -> ET.Element:
    return ET.SubElement(
        parent,
        "g",
        {"class": "week below-target" if below else "week", "data-week": week.monday.isoformat()},
    )


def _below_marks(group: ET.Element, panel: _Panel, x: float, slot: float) -> None:
    """A tinted band over the week's slot and a downward triangle above it."""
    inset = min(slot * 0.06, 3.0)
    ET.SubElement(
        group,
        "rect",
        {
            "class": "band",
            "x": number(x - slot / 2 + inset),
            "y": number(panel.top),
            "width": number(slot - 2 * inset),
            "height": number(_PANEL_HEIGHT),
        },
    )
    size = min(slot * 0.3, 6.0)
    top = panel.top - 3
    ET.SubElement(
        group,
        "path",
        {
            "class": "marker",
            "d": f"M{number(x - size)},{number(top - size)} L{number(x + size)},"
            f"{number(top - size)} L{number(x)},{number(top)} z",
        },
    )


def _bar(
    group: ET.Element, panel: _Panel, x: float, width: float, low: float, high: float, css: str
) -> None:
    ET.SubElement(
        group,
        "rect",
        {
            "class": css,
            "x": number(x - width / 2),
            "y": number(panel.y(high)),
            "width": number(width),
            "height": number(panel.y(low) - panel.y(high)),
        },
    )


def _value(
    values: ET.Element,
    panel: _Panel,
    x: float,
    top: float,
    text: str,
    variant: str | None,
    offset: float = 4,
) -> None:
    """The week's figure, ``offset`` pixels above the value ``top``."""
    css = f"value {variant}" if variant else "value"
    _text(values, x, panel.y(top) - offset, text, css, anchor="middle")


def _values_group(texts: Sequence[str], slot: float) -> ET.Element | None:
    """A group for a panel's figures over its bars, or ``None`` when some week's figure
    does not fit its slot: a panel labels all its weeks or none."""
    if all(text_width(text, _LABEL_SIZE) <= slot - 6 for text in texts):
        return ET.Element("g", {"class": "values"})
    return None


def _stack_total(week: WeekFigures) -> int:
    return sum(getattr(week, attribute) for attribute, _, _ in _MEETING_PARTS)


# --- frame -----------------------------------------------------------------------------------


def _heading(
    svg: ET.Element, y: float, title: str, note: str, parts: list[tuple[str, str]], target: str
) -> None:
    """The panel's title and note, then its legend: a swatch per part, the target line, the
    below-target marker."""
    heading = _text(svg, _LEFT, y, title, "panel-title")
    ET.SubElement(heading, "tspan", {"class": "note", "dx": "10"}).text = note
    legend = ET.SubElement(svg, "g", {"class": "legend"})
    x, row = _LEFT, y + 18
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
    _text(legend, x, y, label)
    return x + text_width(label, 11) + 14


def _grid(svg: ET.Element, panel: _Panel) -> None:
    grid = ET.SubElement(svg, "g", {"class": "grid axis"})
    ticks = int(round(panel.ceiling / panel.step))
    for tick in range(ticks + 1):
        value = tick * panel.step
        y = panel.y(value)
        attributes = {"x1": number(_LEFT), "x2": number(WIDTH - _RIGHT), "y1": number(y)}
        attributes["y2"] = attributes["y1"]
        if tick == 0:
            attributes["class"] = "zero"
        ET.SubElement(grid, "line", attributes)
        _text(grid, _LEFT - 8, y + 4, minutes(value), anchor="end")


def _target_line(svg: ET.Element, panel: _Panel, slot: float, targets: Sequence[float]) -> None:
    """The target as a step line: level across each week, joined where it changes."""
    if not targets:
        return
    points = []
    for index, target in enumerate(targets):
        y = number(panel.y(target))
        left, right = _LEFT + index * slot, _LEFT + (index + 1) * slot
        points.append(f"{'M' if index == 0 else 'L'}{number(left)},{y} L{number(right)},{y}")
    ET.SubElement(svg, "path", {"class": "target", "d": " ".join(points)})


def _week_axis(svg: ET.Element, y: float, slot: float, mondays: Sequence[dt.date]) -> None:
    """The week start dates under the lower panel, thinned out so none overlap; the year is
    written under the first date and wherever it changes."""
    axis = ET.SubElement(svg, "g", {"class": "axis weeks"})
    stride = max(1, math.ceil((text_width("30 Sep", _LABEL_SIZE) + 10) / slot))
    shown_year = None
    for index, monday in enumerate(mondays):
        if index % stride:
            continue
        x = _x(index, slot)
        _text(axis, x, y, day_and_month(monday), anchor="middle")
        if monday.year != shown_year:
            _text(axis, x, y + 14, str(monday.year), "year", anchor="middle")
            shown_year = monday.year


def _scale(highest: float) -> tuple[float, float]:
    """A ceiling at or above ``highest`` and a round step that divides it in 2 to 5 parts."""
    if highest <= 0:
        return 1.0, 1.0
    rough = highest / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    step = max(step, 1.0)
    return step * math.ceil(highest / step), step


def _x(index: int, slot: float) -> float:
    return _LEFT + (index + 0.5) * slot


def _text(
    parent: ET.Element,
    x: float,
    y: float,
    text: str,
    css: str | None = None,
    anchor: str | None = None,
) -> ET.Element:
    attributes = {"x": number(x), "y": number(y)}
    if css:
        attributes["class"] = css
    if anchor:
        attributes["text-anchor"] = anchor
    element = ET.SubElement(parent, "text", attributes)
    element.text = text
    return element
