"""Telling the services the facts of each request they serve (services never read it)."""

from __future__ import annotations

from flask import has_request_context, request

from ..services import request_facts

#: Where a request keeps its facts (they end with the request: no hook to forget them).
_FACTS_KEY = "tpm_plugin.request_facts"


def install_request_facts() -> None:
    """Let the services ask for the facts of the request being served, from whichever view
    calls them (the host's own views may call services too), without a hook on the app."""
    request_facts.provide(_facts_of_this_request)


def _facts_of_this_request() -> request_facts.RequestFacts | None:
    if not has_request_context():
        return None
    facts = request.environ.get(_FACTS_KEY)
    if facts is None:
        facts = request_facts.RequestFacts(read_only=request.method in ("GET", "HEAD"))
        request.environ[_FACTS_KEY] = facts
    return facts
