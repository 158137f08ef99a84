"""The pages' home: where each person starts, with a link to every page their roles use."""

from __future__ import annotations

from dataclasses import dataclass

from ...access import Actor
from .._routes import RouteTable
from ._render import page_actor, render_page

#: Links of the home page per role: (role, endpoint, label). Page modules append theirs.
HOME_LINKS: list[HomeLink] = []


@dataclass(frozen=True)
class HomeLink:
    """A link on the home page shown to holders of ``role``."""

    role: str
    endpoint: str
    label: str


def pages_for(actor: Actor) -> list[tuple[str, str]]:
    """``(label, path)`` of each page ``actor``'s roles use, the path below the pages'
    prefix (``/...``): for a host's own menu or home page."""
    from . import page_routes

    table = page_routes()  # page modules add their links as they register
    return [
        (str(link.label), "/" + table.path_for(link.endpoint))
        for link in HOME_LINKS
        if actor.has_role(link.role)
    ]


def home():
    """``GET /``: the links the viewer's roles may use."""
    actor = page_actor()
    links = [link for link in HOME_LINKS if actor.has_role(link.role)]
    return render_page("tpm/pages/home.html", links=links)


def register(routes: RouteTable) -> None:
    """Add the home page to ``routes``."""
    routes.add_url_rule("/", "home", home, methods=["GET"])
