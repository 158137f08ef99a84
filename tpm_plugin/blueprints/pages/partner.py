"""A partner's pages, phone first: their partnerships, meetings, identification and plans."""

from __future__ import annotations

from .._routes import RouteTable


def register(routes: RouteTable) -> None:
    """Add this module's pages to ``routes``."""
