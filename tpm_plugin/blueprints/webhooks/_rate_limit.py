"""The per-source rate limit of intake deliveries: fixed windows, with the limits library.

Checked inside the intake view, after the source is found, so the host's own requests pay
nothing and unknown sources are never counted. Nothing is built when the plugin mounts
but the parsed limit: counters live in the host's Redis when ``TPM_REDIS_URL`` is set
(connected on the first delivery, shared by every worker process of the app), otherwise in
this app's memory (a dictionary of windows under a lock; limits' own memory store would
start a timer thread per delivery).
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time

from flask import current_app
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError
from werkzeug.exceptions import TooManyRequests

from ...config import ConfigError

logger = logging.getLogger(__name__)

#: Where each app keeps its :class:`IntakeRateLimit`, in ``app.extensions``.
RATE_LIMIT_EXTENSION = "tpm_intake_rate_limit"


def count_delivery(source_key: str) -> None:
    """Count one delivery to ``source_key`` against the current app's limit.

    Raises:
        TooManyRequests: the source is over its limit (429, with ``Retry-After``).
    """
    current_app.extensions[RATE_LIMIT_EXTENSION].count(source_key)


class IntakeRateLimit:
    """One app's ``TPM_INTAKE_RATE_LIMIT``, counted per source.

    Args:
        limit: the limit in limits' notation, such as ``"120 per minute"``.
        redis_url: the Redis that counts for every worker process; ``None``: this app's
            memory.
        prefix: what this app's counters in Redis start with.

    Raises:
        ConfigError: ``limit`` is not in limits' notation.
    """

    def __init__(self, limit: str, redis_url: str | None, prefix: str) -> None:
        try:
            self.item: RateLimitItem = _parse(limit)
        except ValueError as exc:
            raise ConfigError(
                f"TPM_INTAKE_RATE_LIMIT {limit!r} is not a rate limit; write it like "
                f"'120 per minute' or '10/second'."
            ) from exc
        self._redis_url = redis_url
        self._prefix = prefix
        self._lock = threading.Lock()
        self._redis: FixedWindowRateLimiter | None = None
        # source key -> (start of its window, deliveries counted in it)
        self._windows: dict[str, tuple[float, int]] = {}

    def count(self, source_key: str) -> None:
        """Count one delivery to ``source_key``.

        Raises:
            TooManyRequests: the source is over its limit (429, with ``Retry-After``).
        """
        wait = self._count_in_redis(source_key) if self._redis_url else self._count(source_key)
        if wait is not None:
            raise TooManyRequests(
                f"This intake source takes at most {self.item}; retry after the given seconds.",
                retry_after=max(1, math.ceil(wait)),
            )

    def _count(self, source_key: str) -> float | None:
        # Seconds to wait when refused, None when counted.
        now = time.time()
        length = self.item.get_expiry()
        with self._lock:
            start, counted = self._windows.get(source_key, (now, 0))
            if now >= start + length:
                start, counted = now, 0
            if counted >= self.item.amount:
                return start + length - now
            self._windows[source_key] = (start, counted + 1)
        return None

    def _count_in_redis(self, source_key: str) -> float | None:
        try:
            limiter = self._redis_limiter()
            if limiter.hit(self.item, self._prefix, source_key):
                return None
            return limiter.get_window_stats(self.item, self._prefix, source_key)[0] - time.time()
        except RedisError:
            # An unreachable Redis must not turn referrals away: they go uncounted meanwhile.
            logger.warning("Intake rate limit not counted: Redis is unreachable.", exc_info=True)
            return None

    def _redis_limiter(self) -> FixedWindowRateLimiter:
        if self._redis is None:
            with self._lock:
                if self._redis is None:
                    self._redis = FixedWindowRateLimiter(storage_from_string(self._redis_url))
        return self._redis


# Hosts build apps by the hundred with the same setting; parsing it is most of mounting.
_parse = functools.lru_cache(maxsize=16)(parse)
