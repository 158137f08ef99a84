"""Supervision scheduling: availability (:mod:`.availability`), partners' blocked times
(:mod:`.blocked_times`) and absences with cover (:mod:`.absences`). The placement of the
week's blocks lives in :mod:`tpm_plugin.services.supervision_placement`.
"""

from .absences import add_absence, list_absences, remove_absence
from .availability import Availability, get_availability, set_availability
from .blocked_times import BlockedTimes, get_blocked_times, set_blocked_times
from .windows import WeeklyWindow

__all__ = [
    "Availability",
    "BlockedTimes",
    "WeeklyWindow",
    "add_absence",
    "get_availability",
    "get_blocked_times",
    "list_absences",
    "remove_absence",
    "set_availability",
    "set_blocked_times",
]
