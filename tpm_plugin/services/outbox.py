"""The job outbox: work for rq, written in the same transaction as the change that causes it.

A service never talks to Redis inside its transaction. It calls :func:`add_to_outbox`, which
adds a ``tpm_outbox`` row to the caller's session; the row commits or rolls back with the
change. The relay (:mod:`tpm_plugin.jobs.relay`) later enqueues each committed row once, with
the row's ``dedupe_key`` as the rq job id, so a transaction that rolls back leaves no job,
and a transition succeeds while Redis is down (the row waits until Redis returns).

:func:`outbox_status` reports the backlog for ``flask tpm outbox status`` and health checks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..jobs.registry import job_function
from ..models import OutboxMessage
from ..models.base import utcnow
from ._unit import session

#: What a dedupe key may hold: rq accepts only these characters in a job id.
DEDUPE_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,150}$")

#: Longest string id a job argument may be; longer text is not an id and may be care data.
MAX_ID_LENGTH = 64

#: Key in ``session.info`` marking a transaction that added outbox rows (see ``_unit``).
OUTBOX_WRITTEN = "tpm_outbox_written"


def add_to_outbox(
    job_name: str,
    dedupe_key: str,
    *,
    available_at: dt.datetime | None = None,
    **ids: int | str,
) -> None:
    """Add a job to the outbox, in the caller's transaction (it is not committed here).

    The row is checked and built by :func:`outbox_row` (see there for the arguments and
    the errors raised).
    """
    current = session()
    current.add(OutboxMessage(**outbox_row(job_name, dedupe_key, available_at=available_at, **ids)))
    current.info[OUTBOX_WRITTEN] = True


def outbox_row(
    job_name: str,
    dedupe_key: str,
    *,
    available_at: dt.datetime | None = None,
    **ids: int | str,
) -> dict[str, Any]:
    """The column values of an outbox row, checked: for a caller that inserts the row in a
    statement of its own (a transition writes its outbox row in the statement that changes
    the stage), or through :func:`add_to_outbox`.

    The relay enqueues the job once the transaction has committed and ``available_at`` has
    come; a rollback discards it. Adding the same ``dedupe_key`` twice in one transaction, or
    one already in the table, is refused by the table's unique key on commit: pick keys that
    name one piece of work (``"stage-entered-12-4"``: partnership 12, row version 4).

    Args:
        job_name: a name registered with :func:`tpm_plugin.jobs.registry.register_job`.
        dedupe_key: names this piece of work; it doubles as the rq job id (prefixed with the
            queue name), so letters, digits, ``-`` and ``_`` only, at most 150 characters.
        available_at: when the job may run (UTC, timezone-aware); default now.
        **ids: the job's keyword arguments: ids (ints) and short keys (strings) only. They
            are stored in Redis, where no name, note or date of birth may ever go.

    Raises:
        tpm_plugin.jobs.registry.UnknownJob: ``job_name`` is not registered.
        ValueError: a malformed dedupe key, a naive ``available_at``, or an argument that is
            not an int or a short string.
    """
    job_function(job_name)
    if not DEDUPE_KEY_PATTERN.match(dedupe_key):
        raise ValueError(
            f"Outbox dedupe key {dedupe_key!r} must be 1-150 letters, digits, '-' or '_' "
            "(it becomes the rq job id); join its parts with '-'."
        )
    if available_at is not None and available_at.tzinfo is None:
        raise ValueError("available_at must be timezone-aware (UTC); got a naive datetime.")
    for name, value in ids.items():
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(
                f"Job argument {name!r} must be an int id or a short string key, "
                f"not {type(value).__name__}: jobs carry ids only."
            )
        if isinstance(value, str) and len(value) > MAX_ID_LENGTH:
            raise ValueError(
                f"Job argument {name!r} is {len(value)} characters long; jobs carry ids and "
                f"keys of at most {MAX_ID_LENGTH} characters, never free text."
            )
    now = utcnow()
    return {
        "job_name": job_name,
        "payload": dict(ids),
        "dedupe_key": dedupe_key,
        "available_at": available_at or now,
        "attempts": 0,
        "created_at": now,
    }


@dataclass(frozen=True)
class OutboxStatus:
    """How far behind the relay is.

    Attributes:
        due: rows whose time has come and that are not relayed yet (the backlog).
        waiting: rows not relayed because their ``available_at`` is still ahead.
        oldest_due_age: how long the oldest due row has waited, or ``None`` with no backlog.
        relayed: rows already handed to rq.
        refused: rows the relay would not enqueue (their job name is not registered).
    """

    due: int
    waiting: int
    oldest_due_age: dt.timedelta | None
    relayed: int
    refused: int


def outbox_status(now: dt.datetime | None = None) -> OutboxStatus:
    """Count the outbox's backlog (one query; reads only)."""
    now = now or utcnow()
    pending = OutboxMessage.relayed_at.is_(None)
    is_due = OutboxMessage.available_at <= now
    row = (
        session()
        .execute(
            select(
                func.count().filter(pending, is_due),
                func.count().filter(pending, ~is_due),
                func.min(OutboxMessage.available_at).filter(pending, is_due),
                func.count().filter(~pending),
                func.count().filter(~pending, OutboxMessage.last_error.is_not(None)),
            )
        )
        .one()
    )
    due, waiting, oldest, relayed, refused = row
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() returns a naive string
        oldest = oldest.replace(tzinfo=dt.UTC)
    return OutboxStatus(
        due=due,
        waiting=waiting,
        oldest_due_age=None if oldest is None else max(now - oldest, dt.timedelta(0)),
        relayed=relayed - refused,
        refused=refused,
    )


def job_id_for(dedupe_key: str) -> str:
    """The rq job id of the outbox row with ``dedupe_key``: prefixed with the plugin's queue
    name, so two apps sharing one Redis never take each other's job ids."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "_", current_app.config["TPM_QUEUE_NAME"])
    return f"{prefix}-{dedupe_key}"
