"""What a stage asks of the rhythm: how often a review falls due.

Read from the ``cadence`` of each stage in the published workflow version a partnership is
pinned to. Meetings a week are not decided here: planning asks the one owed-time rule
(:mod:`tpm_plugin.services.owed`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, tuple_

from ...models import Workflow, WorkflowVersion
from .._unit import session


@dataclass(frozen=True)
class StageRhythm:
    """The cadence one stage of one workflow version sets (``None``: not set)."""

    terminal: bool
    review_every_weeks: int | None


#: (workflow key, version) -> stage key -> its rhythm.
Rhythms = dict[tuple[str, int], dict[str, StageRhythm]]


def stage_rhythms(versions: Iterable[tuple[str, int]]) -> Rhythms:
    """The stage rhythms of each (workflow key, version) given, in one statement."""
    wanted = sorted(set(versions))
    if not wanted:
        return {}
    rows = session().execute(
        select(Workflow.key, WorkflowVersion.version, WorkflowVersion.definition)
        .join(WorkflowVersion, WorkflowVersion.workflow_id == Workflow.id)
        .where(tuple_(Workflow.key, WorkflowVersion.version).in_(wanted))
    )
    rhythms: Rhythms = {}
    for key, version, definition in rows:
        stages = rhythms.setdefault((key, version), {})
        for stage in (definition or {}).get("stages", []):
            cadence = stage.get("cadence") or {}
            stages[stage["key"]] = StageRhythm(
                terminal=stage.get("kind") == "terminal",
                review_every_weeks=cadence.get("review_every_weeks"),
            )
    return rhythms


def review_every_weeks(rhythms: Rhythms, workflow_key: str, version: int, stage: str) -> int | None:
    """Weeks between reviews in ``stage``, or ``None`` when the stage sets no review cadence."""
    rhythm = rhythms.get((workflow_key, version), {}).get(stage)
    return None if rhythm is None or rhythm.terminal else rhythm.review_every_weeks
