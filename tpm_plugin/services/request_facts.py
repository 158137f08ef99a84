"""What the view layer tells the services about the web request they serve.

Services never read Flask's ``request``: a service runs the same from a view, the CLI or a
job. The few facts of a request that change how a service audits come from a provider the
view layer installs once (:func:`provide`); outside a request the provider gives none, and the
services behave as for a change. The provider keeps each request's facts with the request
itself, so the plugin adds no hook to the host's own requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class RequestFacts:
    """The facts of the request being served.

    Attributes:
        read_only: the request changes nothing (GET, HEAD): its only write is its audit row,
            which may commit without waiting for the database's flush.
        replay: the request answers a stored idempotent response again, so its audit rows
            record the action ``replay``.
        audit_rows: access-audit rows the services have written for it so far.
    """

    read_only: bool
    replay: bool = False
    audit_rows: int = 0


def _no_request() -> RequestFacts | None:
    return None


_provider: Callable[[], RequestFacts | None] = _no_request


def provide(provider: Callable[[], RequestFacts | None]) -> None:
    """Install ``provider``: it returns the facts of the request being served (the same
    object for the whole request), or ``None`` outside a request."""
    global _provider
    _provider = provider


def current_request() -> RequestFacts | None:
    """The facts of the request being served, or ``None`` outside a request (CLI, jobs)."""
    return _provider()


def mark_replay() -> None:
    """The request being served now answers a stored idempotent response again.

    Raises:
        RuntimeError: no request is being served.
    """
    facts = _provider()
    if facts is None:
        raise RuntimeError(
            "An idempotent replay was marked outside a request the plugin serves; "
            "replays are answered only from within the plugin's API views."
        )
    facts.replay = True
