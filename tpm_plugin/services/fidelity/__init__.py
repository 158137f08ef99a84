"""Fidelity to the model, week by week: meetings held against the target, and supervision
minutes delivered against the minutes owed.

For one partnership, a partner, a supervisor or a whole program, and for each week (Monday
to Sunday in the program's IANA timezone):

* **meetings**: what the week owes, meetings held, cancelled by the client, the partner or
  the center, and no-shows. A corrected meeting counts once, as its newest version.
* **supervision**: minutes delivered (``held_minutes`` of held sessions) against minutes
  owed. For a single partnership a session counts with its minutes shared equally among
  the partnerships it discussed.

What a week owes comes from :mod:`tpm_plugin.services.owed`, the one rule of owed time: in
proportion to the time spent in stages that owe, at the target in force, raised by any
crisis cadence. A partner's or supervisor's weeks credit them only while they held the
assignment.

Modules: :mod:`.scopes` (who may see which scope, the public functions), :mod:`.weeks`
(the window and its table of UTC instants), :mod:`.figures` (the weekly figures).
"""

from .figures import MeetingsAgainstTarget, WeekFigures, meetings_by_partnership
from .scopes import (
    ACTION,
    Fidelity,
    partner_fidelity,
    partnership_fidelity,
    program_fidelity,
    supervisor_fidelity,
)
from .weeks import DEFAULT_WEEKS, MAX_WEEKS, Week, week_window

__all__ = [
    "ACTION",
    "DEFAULT_WEEKS",
    "MAX_WEEKS",
    "Fidelity",
    "MeetingsAgainstTarget",
    "Week",
    "WeekFigures",
    "meetings_by_partnership",
    "partner_fidelity",
    "partnership_fidelity",
    "program_fidelity",
    "supervisor_fidelity",
    "week_window",
]
