"""A program manager's pages: the board by stage, a partnership's timeline, the fidelity dashboard."""

from __future__ import annotations

from .._routes import RouteTable


def register(routes: RouteTable) -> None:
    """Add this module's pages to ``routes``."""
