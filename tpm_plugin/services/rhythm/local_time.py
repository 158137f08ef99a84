"""Wall-clock times local to a program, turned into UTC instants across daylight saving.

A preferred time ("Tuesdays at 16:00") and a reminder lead ("24 hours before" is the same
wall time the day before; "1 hour before" is an hour earlier on the wall) are reckoned on
the program's wall clock, so they stay put when the clocks change. Each wall time becomes
exactly one instant:

* a wall time that exists once is that instant;
* a wall time the clocks skip (spring forward) becomes the next valid instant, the moment
  the clocks jump;
* a wall time that occurs twice (fall back) becomes the first of the two, so nothing
  derived from it happens twice.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

_MINUTE = dt.timedelta(minutes=1)


def instant_of(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The one UTC instant a naive local ``wall`` time stands for in ``zone``.

    Args:
        wall: a naive datetime read on the program's clock.
        zone: the program's timezone.

    Raises:
        ValueError: ``wall`` carries a timezone already.
    """
    if wall.tzinfo is not None:
        raise ValueError("instant_of takes a naive wall-clock time; drop its tzinfo first.")
    first = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    if _wall(first, zone) == wall:
        return first
    return _end_of_gap(wall, zone)


def wall_time(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The naive wall-clock time ``zone`` shows at the aware ``instant``."""
    return _wall(instant, zone)


def _wall(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone).replace(tzinfo=None, fold=0)


def _end_of_gap(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The instant the clocks jump over ``wall``: the first instant shown after it.

    With ``fold=1`` zoneinfo reads a skipped time with the offset after the change, which
    lands before the jump, and with ``fold=0`` with the offset before, which lands after
    it; the jump lies between, found by bisecting to the minute (offsets are whole minutes).
    """
    low = wall.replace(tzinfo=zone, fold=1).astimezone(dt.UTC)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
    if low > high:
        low, high = high, low
    while high - low > _MINUTE:
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if _wall(middle, zone) > wall:
            high = middle
        else:
            low = middle
    return high
