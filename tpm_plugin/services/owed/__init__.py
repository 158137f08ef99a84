"""Owed time: what a partnership owes in a program-local week, meetings and supervision
minutes. ONE rule, used by fidelity, ``?overdue=true`` on the partnership list, the misses
and supervision placement; nobody else computes "owed".

* :func:`owed_in_week` is the rule on plain values (:class:`OwedHistory`).
* :func:`owed_by_week` reads the histories of any number of partnerships in a constant
  number of statements and applies the rule to each week.

A partnership owes only while open and in a stage whose cadence owes (see
:func:`~tpm_plugin.workflows.cadence.stage_rule`), at the stage's own figure or else the program's target in force, raised
by any crisis cadence in force; a week owes each rate in proportion to the time spent at it.
"""

from ...workflows.cadence import OWES_NOTHING, StageRule, stage_rule
from .loading import WeekBounds, held_periods, load_histories, owed_by_week
from .rule import NOTHING_OWED, CrisisCadence, Owed, OwedHistory, Period, TargetPeriod, owed_in_week

__all__ = [
    "NOTHING_OWED",
    "OWES_NOTHING",
    "CrisisCadence",
    "Owed",
    "OwedHistory",
    "Period",
    "StageRule",
    "TargetPeriod",
    "WeekBounds",
    "held_periods",
    "load_histories",
    "owed_by_week",
    "owed_in_week",
    "stage_rule",
]
