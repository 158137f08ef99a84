"""A program manager's pages: the stage editor, intake review, people and roles."""

from __future__ import annotations

from .._routes import RouteTable


def register(routes: RouteTable) -> None:
    """Add this module's pages to ``routes``."""
