"""The per-source rate limit of intake deliveries, with flask-limiter.

Counters live in the host's Redis when ``TPM_REDIS_URL`` is set. Otherwise they live in
this process's memory, in one store shared by every app the process builds: limits' own
``memory://`` store starts an expiry thread per app, which would make mounting the plugin
several milliseconds slower (hosts and their tests build apps by the hundred). Each app's
counters carry its own key prefix, so apps never count each other's deliveries.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, request
from flask_limiter import Limiter
from limits.storage import MemoryStorage


class ProcessMemoryStorage(MemoryStorage):
    """``tpm-memory://``: one in-memory counter store (and expiry thread) per process."""

    STORAGE_SCHEME = ["tpm-memory"]
    _shared: ProcessMemoryStorage | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> ProcessMemoryStorage:
        if cls._shared is None:
            cls._shared = super().__new__(cls)
        return cls._shared

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not hasattr(self, "timer"):
            super().__init__(*args, **kwargs)


def limit_per_source(app: Flask, blueprint: Blueprint) -> None:
    """Limit each source of ``blueprint`` to ``TPM_INTAKE_RATE_LIMIT`` deliveries; over it,
    429 with ``Retry-After``."""
    redis_url = app.config["TPM_REDIS_URL"]
    prefix = f"tpm-intake:{app.config['TPM_QUEUE_NAME']}"
    limiter = Limiter(
        key_func=_source_key,
        storage_uri=redis_url or "tpm-memory://",
        # In Redis every worker process of the app shares the count; in memory, each app
        # counts its own.
        key_prefix=prefix if redis_url else f"{prefix}:{id(app)}",
        headers_enabled=True,
        swallow_errors=True,
        default_limits=[],
    )
    limiter.limit(app.config["TPM_INTAKE_RATE_LIMIT"])(blueprint)
    limiter.init_app(app)


def _source_key() -> str:
    # Each source has its own budget, whoever sends to it.
    return (request.view_args or {}).get("source_key", "")
