"""What a stage's cadence says about owed time: whether the stage owes meetings and
supervision, and the figures it sets instead of the program's targets.

A stage owes when its ``cadence`` says ``"owes": true``, or, without ``owes``, when the
cadence names ``meetings_per_week`` or ``supervision_minutes_per_client``. A stage without
a cadence, and any terminal stage, owes nothing. A figure of 0 is allowed: the stage owes,
and owes 0 of that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StageRule:
    """Whether a stage owes, and the figures its cadence sets (``None``: the program's)."""

    owes: bool
    meetings_per_week: int | None = None
    supervision_minutes_per_client: int | None = None


#: The rule of a stage that owes nothing (no cadence, a terminal stage, an unknown stage).
OWES_NOTHING = StageRule(owes=False)


def stage_rule(stage: Mapping[str, Any] | None) -> StageRule:
    """The owing rule of one stage of a workflow definition (``None``: an unknown stage)."""
    if not stage or stage.get("kind") == "terminal":
        return OWES_NOTHING
    cadence = stage.get("cadence") or {}
    meetings = cadence.get("meetings_per_week")
    minutes = cadence.get("supervision_minutes_per_client")
    owes = cadence.get("owes", meetings is not None or minutes is not None)
    return StageRule(True, meetings, minutes) if owes else OWES_NOTHING
