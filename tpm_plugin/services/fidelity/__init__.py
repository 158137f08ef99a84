"""Fidelity to the model, week by week: meetings held against the target, and supervision
minutes delivered against the minutes owed.

For one partnership, a partner, a supervisor or a whole program, and for each week (Monday
to Sunday in the program's IANA timezone):

* **meetings**: the target (``program.meetings_per_week``, unless the stage the partnership
  was in at the end of the week sets ``cadence.meetings_per_week`` in its published
  workflow version; terminal stages owe nothing), meetings held, cancelled by the client,
  the partner or the center, and no-shows. A corrected meeting counts once, as its newest
  version.
* **supervision**: minutes delivered (``held_minutes`` of held sessions) against minutes
  owed (``program.supervision_minutes_per_client``, or the stage's cadence, for every
  partnership open that week). For a single partnership a session counts with its minutes
  shared equally among the partnerships it discussed.

A partnership is open in a week when it started before the week ended, had not ended
before it began, and its stage at the week's end is not terminal.

Each figure is computed by ONE SQL statement with aggregates grouped by week, whatever the
number of partnerships.

Modules: :mod:`.scopes` (who may see which scope, the public functions), :mod:`.weeks`
(the window and its table of UTC instants), :mod:`.targets` (program defaults, stage
cadences, terminal stages), :mod:`.figures` (the meetings and supervision statements).
"""

from .figures import WeekFigures
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
    "Week",
    "WeekFigures",
    "partner_fidelity",
    "partnership_fidelity",
    "program_fidelity",
    "supervisor_fidelity",
    "week_window",
]
