"""Every key a test's rq queue left in a (shared) Redis, and removing them.

rq names some keys after the queue (``rq:queue:<name>``, ``rq:finished:<name>``, …) but
keeps jobs under their ids (``rq:job:<id>``, ``rq:results:<id>``, executions), so jobs are found by their
``origin`` field, and the shared ``rq:queues`` / ``rq:workers`` sets lose the queue's
members. Other runs' keys on the same server are never touched, nor rq's one shared lock
``rq:clean_groups``, which any worker sets with a short expiry.
"""

from __future__ import annotations

import redis


def _job_ids_of(connection: redis.Redis, queue_name: str) -> set[str]:
    ids = set()
    for key in connection.scan_iter("rq:job:*"):
        if connection.type(key) == b"hash" and connection.hget(key, "origin") == (
            queue_name.encode()
        ):
            ids.add(key.decode().removeprefix("rq:job:"))
    return ids


def _workers_of(connection: redis.Redis, queue_name: str) -> set[bytes]:
    # A worker's hash outlives it for a while (rq expires it later); it names its queues.
    return {
        key
        for key in connection.scan_iter("rq:worker:*")
        if connection.type(key) == b"hash"
        and queue_name.encode() in (connection.hget(key, "queues") or b"").split(b",")
    }


def queue_keys(connection: redis.Redis, queue_name: str) -> set[bytes]:
    """The keys belonging to ``queue_name``: named after it, of one of its jobs, or of a
    worker that served it."""
    keys = set(connection.scan_iter(f"*{queue_name}*")) | _workers_of(connection, queue_name)
    for job_id in _job_ids_of(connection, queue_name):
        keys.update(connection.scan_iter(f"rq:*{job_id}*"))
    return keys


def remove_queue_keys(connection: redis.Redis, queue_name: str) -> None:
    """Delete the keys of ``queue_name`` and its members of rq's shared registries."""
    keys = queue_keys(connection, queue_name)
    workers = _workers_of(connection, queue_name)
    if keys:
        connection.delete(*keys)
    connection.srem("rq:queues", f"rq:queue:{queue_name}")
    if workers:
        connection.srem("rq:workers", *workers)


def leftovers(connection: redis.Redis, queue_name: str) -> set[bytes]:
    """What of ``queue_name`` is still in Redis (keys, or members of rq's shared sets)."""
    left = queue_keys(connection, queue_name)
    if connection.sismember("rq:queues", f"rq:queue:{queue_name}"):
        left.add(b"rq:queues member")
    return left
