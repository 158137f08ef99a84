"""The suite leaves nothing in Redis: the ``queue_name`` fixture's cleanup removes every key
a real worker run creates (proved on a throwaway server that starts empty)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from . import services
from .conftest import _dispose
from .hostapp import create_host_app
from .jobs_for_tests import count_programs
from .redis_keys import leftovers, remove_queue_keys

#: Set by any rq worker with a short expiry, shared by every queue on the server.
RQ_SHARED_EXPIRING_LOCK = b"rq:clean_groups"


@pytest.fixture
def empty_redis() -> Iterator[redis.Redis]:
    try:
        url, stop = services.start_redis_server()
    except services.ServiceUnavailable as error:
        pytest.skip(str(error))
    connection = redis.Redis.from_url(url)
    yield connection
    connection.close()
    stop()


def test_cleanup_removes_every_key_a_worker_run_leaves(
    empty_redis: redis.Redis, database_url: str
) -> None:
    url = empty_redis.connection_pool.connection_kwargs
    redis_url = f"redis://{url['host']}:{url['port']}/0"
    queue_name = "tpm-test-cleanup"
    app = create_host_app(database_url, TPM_REDIS_URL=redis_url, TPM_QUEUE_NAME=queue_name)
    with app.app_context():
        queue = app.extensions["tpm"].queue.queue
        for _ in range(3):
            queue.enqueue(count_programs, queue_name)
        result = app.test_cli_runner().invoke(args=["tpm", "worker", "--burst"])
        assert result.exit_code == 0, result.output
    _dispose(app)
    assert leftovers(empty_redis, queue_name)
    remove_queue_keys(empty_redis, queue_name)
    assert leftovers(empty_redis, queue_name) == set()
    assert set(empty_redis.keys("*")) <= {RQ_SHARED_EXPIRING_LOCK}
