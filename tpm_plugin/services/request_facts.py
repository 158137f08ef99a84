"""What the view layer tells the services about the web request they serve.

Services never read Flask's ``request``: a service runs the same from a view, the CLI or a
job. The few facts of a request that change how a service audits are set here by the view
layer when the request starts (:func:`serve`) and cleared when it ends (:func:`served`);
outside a request there are none, and the services behave as for a change.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
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


_current: ContextVar[RequestFacts | None] = ContextVar("tpm_request_facts", default=None)


def serve(read_only: bool) -> Token[RequestFacts | None]:
    """Start serving a request (``read_only``: a GET or HEAD); give the token to
    :func:`served` when it ends."""
    return _current.set(RequestFacts(read_only=read_only))


def served(token: Token[RequestFacts | None]) -> None:
    """The request :func:`serve` started with ``token`` has ended; forget its facts."""
    _current.reset(token)


def current_request() -> RequestFacts | None:
    """The facts of the request being served, or ``None`` outside a request (CLI, jobs)."""
    return _current.get()


def mark_replay() -> None:
    """The request being served now answers a stored idempotent response again.

    Raises:
        RuntimeError: no request is being served (the view layer did not call :func:`serve`).
    """
    facts = _current.get()
    if facts is None:
        raise RuntimeError(
            "An idempotent replay was marked outside a request the plugin serves; "
            "replays are answered only from within the plugin's API views."
        )
    facts.replay = True
