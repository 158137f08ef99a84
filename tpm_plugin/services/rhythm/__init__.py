"""The rhythm of the model: three meetings a week, reviews when they fall due.

Modules: :mod:`.local_time` (program wall clock to UTC across daylight saving),
:mod:`.cadence` (what a stage asks), :mod:`.preferred_times` (a partnership's weekly times),
:mod:`.planning` (the coming week's meetings), :mod:`.misses` (weeks below target, the
supervisor's list).
"""

from .misses import flag_missed_weeks, list_misses
from .planning import plan_meetings
from .preferred_times import PreferredTimes, WeeklyTime, get_preferred_times, set_preferred_times

__all__ = [
    "PreferredTimes",
    "WeeklyTime",
    "flag_missed_weeks",
    "get_preferred_times",
    "list_misses",
    "plan_meetings",
    "set_preferred_times",
]
