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

This module assembles the picture; :mod:`.fidelity_chart_frame` draws what surrounds the
weeks (geometry, headings and legends, grids, target lines, the week axis) and
:mod:`.fidelity_chart_marks` each week's marks.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..i18n import gettext
from ..services.fidelity import Fidelity
from ..workflows.diagram.drawing import number
from .fidelity_chart_frame import (
    LABEL_SIZE,
    LEFT,
    PANEL_HEIGHT,
    RIGHT,
    WIDTH,
    Panel,
    grid,
    heading,
    scale,
    target_line,
    text,
    week_axis,
    week_x,
)
from .fidelity_chart_marks import (
    MEETING_PARTS,
    meeting_week,
    stack_total,
    supervision_week,
    values_group,
)
from .fidelity_chart_words import below_note, summary, title_of, whole, window_line

__all__ = ["WIDTH", "fidelity_svg"]

_FONT = "Helvetica, Arial, sans-serif"
_TEXT = "#1f2933"
_MUTED = "#52606d"
_BELOW = "#c0392b"

_STYLESHEET = f"""
text {{ font-family: {_FONT}; fill: {_TEXT}; }}
.title {{ font-size: 15px; font-weight: 700; }}
.subtitle {{ font-size: 12px; fill: {_MUTED}; }}
.panel-title {{ font-size: 13px; font-weight: 600; }}
.panel-title .note {{ font-weight: 400; fill: {_MUTED}; }}
.legend text {{ font-size: 11px; fill: {_MUTED}; }}
.axis text {{ font-size: {LABEL_SIZE:g}px; fill: {_MUTED}; }}
.axis .year {{ font-weight: 600; }}
.grid line {{ stroke: #e4e7eb; stroke-width: 1; }}
.grid line.zero {{ stroke: #9aa5b1; }}
.value {{ font-size: {LABEL_SIZE:g}px; font-weight: 600; paint-order: stroke;
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


def fidelity_svg(fidelity: Fidelity) -> str:
    """``fidelity`` as a self-contained SVG document (no scripts, fonts or links).

    Args:
        fidelity: what :func:`tpm_plugin.services.fidelity.partnership_fidelity` (or the
            partner, supervisor or program variant) answered.

    Returns:
        The SVG document as text (UTF-8, valid XML), :data:`WIDTH` pixels wide.
    """
    weeks = fidelity.weeks
    slot = (WIDTH - LEFT - RIGHT) / max(len(weeks), 1)
    meetings = Panel(
        112.0, *scale(max((max(stack_total(w), w.meetings_target) for w in weeks), default=0))
    )
    supervision = Panel(
        meetings.top + PANEL_HEIGHT + 92,
        *scale(
            max(
                (max(w.supervision_minutes_owed, w.supervision_minutes_delivered) for w in weeks),
                default=0,
            )
        ),
    )
    height = supervision.top + PANEL_HEIGHT + 52

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
    text(svg, LEFT, 28, title, "title")
    text(svg, LEFT, 48, window_line(fidelity), "subtitle")

    heading(
        svg,
        meetings.top - 40,
        gettext("Meetings per week"),
        below_note(fidelity.meeting_weeks_below_target, len(weeks)),
        [(css, str(label)) for _, css, label in MEETING_PARTS],
        gettext("target"),
    )
    grid(svg, meetings)
    meeting_values = values_group([str(w.meetings_held) for w in weeks], slot)
    meeting_group = ET.SubElement(svg, "g", {"class": "meetings"})
    for index, week in enumerate(weeks):
        meeting_week(meeting_group, meetings, week_x(index, slot), slot, week, meeting_values)
    target_line(svg, meetings, slot, [w.meetings_target for w in weeks])
    if meeting_values is not None:
        # Over the target line, so it never strikes a figure through.
        svg.append(meeting_values)

    heading(
        svg,
        supervision.top - 40,
        gettext("Supervision minutes per week"),
        below_note(fidelity.supervision_weeks_below_target, len(weeks)),
        [("delivered", gettext("delivered"))],
        gettext("owed"),
    )
    grid(svg, supervision)
    supervision_values = values_group([whole(w.supervision_minutes_delivered) for w in weeks], slot)
    supervision_group = ET.SubElement(svg, "g", {"class": "supervision"})
    for index, week in enumerate(weeks):
        supervision_week(
            supervision_group, supervision, week_x(index, slot), slot, week, supervision_values
        )
    target_line(svg, supervision, slot, [w.supervision_minutes_owed for w in weeks])
    if supervision_values is not None:
        svg.append(supervision_values)

    week_axis(svg, supervision.top + PANEL_HEIGHT + 16, slot, [w.monday for w in weeks])
    ET.indent(svg, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(svg, encoding="unicode") + "\n"
