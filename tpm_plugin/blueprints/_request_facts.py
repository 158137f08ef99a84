"""Telling the services the facts of each request they serve (services never read it)."""

from __future__ import annotations

from flask import Flask, request

from ..services import request_facts

#: Where a request keeps the token that ends its facts.
_TOKEN_KEY = "tpm_plugin.request_facts"


def install_request_facts(app: Flask) -> None:
    """Before every request of ``app`` (the host's own views may call services too), tell
    the services whether it is read-only; forget its facts once it is torn down."""

    def tell() -> None:
        read_only = request.method in ("GET", "HEAD")
        request.environ[_TOKEN_KEY] = request_facts.serve(read_only)

    def forget(error: BaseException | None) -> None:
        token = request.environ.pop(_TOKEN_KEY, None)
        if token is not None:
            request_facts.served(token)

    # First of the app's hooks, so that a host's own hook calling a service sees the facts.
    app.before_request_funcs.setdefault(None, []).insert(0, tell)
    app.teardown_request(forget)
