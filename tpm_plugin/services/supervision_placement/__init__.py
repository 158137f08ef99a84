"""Placing each partner's weekly supervision block in their supervisor's week.

:mod:`.solver` is pure (plain data in, blocks and unplaced work out, deterministic);
the services around it read the database, write the blocks as supervision sessions and
run as a job.
"""

from .solver import (
    MINUTES_PER_WEEK,
    Block,
    Demand,
    Placement,
    Unplaced,
    capacity_bound,
    first_fit,
    place_week,
)

__all__ = [
    "MINUTES_PER_WEEK",
    "Block",
    "Demand",
    "Placement",
    "Unplaced",
    "capacity_bound",
    "first_fit",
    "place_week",
]
