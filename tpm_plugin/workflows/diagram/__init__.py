"""Draw a workflow definition: Mermaid text, or a self-contained SVG laid out in pure Python.

Both take a definition in the plugin's JSON shape (stages and transitions) and optionally
the key of a stage to highlight, such as a partnership's current stage.

The SVG layout is a small layered ("Sugiyama") drawing, top to bottom:

1. Stages get a rank (``ranks``): the longest path from the start stage once the edges
   that close a cycle (review back to planning) are set aside; terminal stages go last.
2. Every edge becomes a chain of invisible points, one per row it crosses (``layout``);
   the row between two stage rows holds the edge's label as a point as wide as the text,
   so labels take room in the layout and never sit on a box or on each other.
3. A few sweeps order each row by the mean position of its neighbours, for fewer
   crossings (``ordering``); then each row is placed as close to its neighbours as the
   spacing allows, so the main path of the workflow runs straight down (``placement``).
4. Edges are drawn as smooth curves through their points (``drawing``, meeting the boxes
   at ``ports``); an edge that goes back up (a review that sends the partnership back to
   planning) curves up beside the stages. A transition that many stages share (withdraw
   from anywhere) is drawn once, as a trunk that each source joins, with one label.

``svg`` runs these steps and assembles the document; ``style`` holds its sizes, colours
and stylesheet; ``mermaid`` writes the text form; ``edges`` reads the transitions both use.
"""

from __future__ import annotations

from .mermaid import to_mermaid
from .svg import to_svg

__all__ = ["to_mermaid", "to_svg"]
