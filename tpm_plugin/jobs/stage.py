"""The job the outbox names when a partnership enters a stage with a cadence."""

from __future__ import annotations

import logging

from ..services.workflow_versions import STAGE_WORK_JOB
from .registry import register_job

log = logging.getLogger("tpm_plugin.jobs")


@register_job(STAGE_WORK_JOB)
def stage_entered(
    partnership_id: int,
    stage: str,
    workflow_key: str,
    workflow_version: int,
    entered_at: str,
) -> None:
    """A partnership entered ``stage``: the rhythm's sweep plans its meetings, reminders and
    reviews from the database, so this job only records that the entry reached a worker."""
    log.info(
        "Partnership %s entered stage %s (%s v%s) at %s",
        partnership_id,
        stage,
        workflow_key,
        workflow_version,
        entered_at,
    )
