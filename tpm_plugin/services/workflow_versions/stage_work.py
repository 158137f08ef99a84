"""Telling the jobs that a partnership entered a stage with scheduled work (a cadence).

The transition and migration services add the outbox row in the same transaction as the
change, so the jobs hear of exactly the entries that were committed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ...models import Partnership
from ...workflows import engine
from ..outbox import add_to_outbox

#: The job the outbox names when a partnership enters a stage with scheduled work.
STAGE_WORK_JOB = "tpm.stage_entered"


def add_stage_work(
    partnership: Partnership,
    stage: str,
    workflow: engine.CompiledWorkflow,
    entered_at: dt.datetime,
    row_version: int,
) -> None:
    """Add the outbox row that tells the jobs a partnership entered a stage with a cadence
    (see :func:`stage_work_row`) to the caller's session."""
    add_to_outbox(**stage_work_row(partnership.id, stage, workflow, entered_at, row_version))


def stage_work_row(
    partnership_id: int,
    stage: str,
    workflow: engine.CompiledWorkflow,
    entered_at: dt.datetime,
    row_version: int,
) -> dict[str, Any]:
    """The arguments of :func:`add_to_outbox` (or :func:`outbox_row`) for the row that tells
    the jobs a partnership entered a stage with a cadence.

    The payload holds ids and keys only; ``row_version`` (the partnership's version after
    this change) makes the dedupe key unique per entry.
    """
    return {
        "job_name": STAGE_WORK_JOB,
        "dedupe_key": f"stage-entered-{partnership_id}-{row_version}",
        "available_at": entered_at,
        "partnership_id": partnership_id,
        "stage": stage,
        "workflow_key": workflow.key,
        "workflow_version": workflow.version,
        "entered_at": entered_at.isoformat(),
    }
