"""A supervisor's pages: their week, misses, supervision sessions, reviews and stage moves."""

from __future__ import annotations

from .._routes import RouteTable


def register(routes: RouteTable) -> None:
    """Add this module's pages to ``routes``."""
