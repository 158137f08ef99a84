"""Telling the jobs that a partnership entered a stage with scheduled work (a cadence).

The transition and migration services add the outbox row in the same transaction as the
change, so the jobs hear of exactly the entries that were committed.
"""

from __future__ import annotations

import datetime as dt

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
    """Add the outbox row that tells the jobs a partnership entered a stage with a cadence.

    The payload holds ids and keys only; ``row_version`` (the partnership's version after
    this change) makes the dedupe key unique per entry.
    """
    add_to_outbox(
        STAGE_WORK_JOB,
        f"stage-entered-{partnership.id}-{row_version}",
        available_at=entered_at,
        partnership_id=partnership.id,
        stage=stage,
        workflow_key=workflow.key,
        workflow_version=workflow.version,
        entered_at=entered_at.isoformat(),
    )
