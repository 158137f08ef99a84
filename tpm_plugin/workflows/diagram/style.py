"""How the SVG diagram looks: sizes and spacing, fonts, colours, the stylesheet, and an
estimate of text width that sizes boxes and labels without a font library."""

from __future__ import annotations

_FONT = "Helvetica, Arial, sans-serif"
STAGE_FONT_SIZE = 14.0
EDGE_FONT_SIZE = 12.0
NODE_HEIGHT = 44.0
NODE_MIN_WIDTH = 116.0
NODE_PAD_X = 18.0
LABEL_HEIGHT = 18.0
STAGE_TO_LABEL_GAP = 22.0
NODE_GAP = 36.0
DUMMY_WIDTH = 10.0
MARGIN = 28.0
START_DOT_SPACE = 34.0

EDGE_COLOUR = "#5b6b82"
_TEXT_COLOUR = "#1f2933"
STYLESHEET = f"""
.stage rect {{ fill: #eef3fb; stroke: #4a6fa5; stroke-width: 1.5; }}
.stage.start rect {{ fill: #e3f1e6; stroke: #3d8b55; }}
.stage.terminal rect {{ fill: #f1f2f4; stroke: #5f6b7a; }}
.stage.terminal rect.inner {{ fill: none; stroke-width: 1; }}
.stage.current rect {{ fill: #f6c344; stroke: #8a6100; stroke-width: 3; }}
.stage.current rect.inner {{ fill: none; stroke-width: 1; }}
.stage text {{ font: 600 {STAGE_FONT_SIZE:g}px {_FONT}; fill: {_TEXT_COLOUR}; }}
.edge path {{ fill: none; stroke: {EDGE_COLOUR}; stroke-width: 1.4; }}
.edge.back path {{ stroke-dasharray: 5 3; }}
.edge circle {{ fill: {EDGE_COLOUR}; }}
.edge-label rect {{ fill: #ffffff; fill-opacity: 0.92; }}
.edge-label text {{ font: {EDGE_FONT_SIZE:g}px {_FONT}; fill: #3b4656; }}
.initial {{ fill: {_TEXT_COLOUR}; }}
.title {{ font: 700 15px {_FONT}; fill: {_TEXT_COLOUR}; }}
"""

# Approximate advance widths (in em) of a sans-serif face, enough to size boxes and labels
# without a font library.
_NARROW = set("iljtfr.,;:'!|() ")
_WIDE = set("mwMW@")


def text_width(text: str, size: float) -> float:
    """An estimate of how wide ``text`` runs in the diagram's sans-serif face.

    Args:
        text: the text to measure.
        size: the font size, in pixels.

    Returns:
        The width in pixels.
    """
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
