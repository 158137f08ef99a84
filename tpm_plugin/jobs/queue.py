"""The Redis connection and rq queue the plugin enqueues to.

With ``TPM_REDIS_URL`` unset the plugin needs nothing installed: it uses an embedded
in-memory Redis (fakeredis) and runs each job in-process as it is enqueued. With
``TPM_REDIS_URL`` set, jobs go to real Redis for ``flask tpm worker`` (or ``rq worker``)
to run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from rq import Queue
from rq.job import Job
from rq.serializers import JSONSerializer

log = logging.getLogger("tpm_plugin.jobs")


@dataclass
class QueueBackend:
    """A Redis connection and the plugin's queue on it."""

    connection: redis.Redis
    queue: Queue
    embedded: bool

    def ping(self) -> bool:
        """Whether Redis answers."""
        try:
            return bool(self.connection.ping())
        except redis.RedisError:
            return False


def announce(redis_url: str | None) -> None:
    """Log, once per app, where jobs will run (said at start-up; connecting waits)."""
    if redis_url is None:
        log.info(
            "TPM_REDIS_URL is not set: jobs run in-process on an embedded in-memory Redis. "
            "Set TPM_REDIS_URL and run rq workers for real background work."
        )
    else:
        log.info("Jobs go to Redis for rq workers (TPM_REDIS_URL is set).")


def connect(redis_url: str | None, queue_name: str, job_class: type[Job] = Job) -> QueueBackend:
    """Build the queue backend for ``redis_url`` (``None``: the embedded in-memory one)."""
    if redis_url is None:
        import fakeredis

        connection = fakeredis.FakeRedis(server=fakeredis.FakeServer())
        queue = Queue(
            queue_name,
            connection=connection,
            serializer=JSONSerializer,
            job_class=job_class,
            is_async=False,
        )
        return QueueBackend(connection, queue, embedded=True)
    connection = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
    queue = Queue(queue_name, connection=connection, serializer=JSONSerializer, job_class=job_class)
    return QueueBackend(connection, queue, embedded=False)
