"""The placement of a week's supervision blocks, as a pure function of plain data.

Times are minutes from the start of the program-local week (0 = Monday 00:00, up to
:data:`MINUTES_PER_WEEK`); an interval is ``(start, end)`` with ``start < end``.

Each supervisor's week is placed on its own, in three passes:

1. **Routine.** A partner whose block fits again at last week's start keeps it.
2. **Whole blocks.** The rest, longest first, take the earliest free gap that holds the
   whole block outside the partner's blocked times.
3. **Split blocks.** A block no single gap holds is split in two: the whole of one gap
   and the rest at the start of a later one (the block says ``split``).

When that leaves work unplaced although the supervisor's free minutes would hold it, the
week is placed again by filling the free time in order (each block starts where the last
ended, and spills into the next gap at most once). Filling in order leaves no free minute
before the point reached, so while every block is no longer than the shortest window it
places every block whose minutes fit the capacity: it reaches the capacity bound, which is
why no solver is needed for this shape (``tests/test_supervision_placement.py`` checks it
on generated weeks). The better of the two placements is kept (more minutes, then fewer
splits), so the result is deterministic for the same input.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

MINUTES_PER_WEEK = 7 * 24 * 60

#: A stretch of the week, ``(start, end)`` in minutes from Monday 00:00.
Interval = tuple[int, int]


@dataclass(frozen=True)
class Demand:
    """A partner's supervision owed this week with one supervisor.

    Attributes:
        partner_id, supervisor_id: who meets.
        minutes: the block's length (owed minutes per client × partnerships owing).
        blocked: intervals the partner cannot attend.
        last_start: where last week's block started, to keep the routine (or None).
    """

    partner_id: int
    supervisor_id: int
    minutes: int
    blocked: tuple[Interval, ...] = ()
    last_start: int | None = None


@dataclass(frozen=True)
class Block:
    """A placed block: one part, or two when no single gap held it (``split``)."""

    partner_id: int
    supervisor_id: int
    parts: tuple[Interval, ...]

    @property
    def minutes(self) -> int:
        """The block's minutes over its parts."""
        return sum(end - start for start, end in self.parts)

    @property
    def split(self) -> bool:
        """Whether the block was split in two."""
        return len(self.parts) > 1


@dataclass(frozen=True)
class Unplaced:
    """Work that found no place, and why ("over capacity by N minutes", "no common window")."""

    partner_id: int
    supervisor_id: int
    minutes: int
    reason: str


@dataclass
class Placement:
    """The week's blocks and the work left unplaced, both in a stable order."""

    blocks: list[Block] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)

    @property
    def placed_minutes(self) -> int:
        """Minutes placed over every block."""
        return sum(block.minutes for block in self.blocks)


def place_week(
    availability: dict[int, Sequence[Interval]],
    demands: Iterable[Demand],
    busy: dict[int, Sequence[Interval]] | None = None,
) -> Placement:
    """Place every demand in its supervisor's availability.

    Args:
        availability: each supervisor's available intervals this week.
        demands: one per partner and supervisor (zero-minute demands are skipped).
        busy: intervals already taken in a supervisor's week (kept blocks, cover work).

    Returns:
        The blocks (by supervisor, then start) and the unplaced work (by supervisor, then
        partner), identical for identical input.
    """
    by_supervisor: dict[int, list[Demand]] = defaultdict(list)
    for demand in demands:
        if demand.minutes > 0:
            by_supervisor[demand.supervisor_id].append(demand)
    result = Placement()
    for supervisor_id in sorted(by_supervisor):
        free = _merge(availability.get(supervisor_id, ()))
        if busy and busy.get(supervisor_id):
            free = _subtract(free, busy[supervisor_id])
        week = _place_supervisor(free, sorted(by_supervisor[supervisor_id], key=_demand_key))
        result.blocks.extend(week.blocks)
        result.unplaced.extend(week.unplaced)
    return result


def capacity_bound(availability: dict[int, Sequence[Interval]], demands: Iterable[Demand]) -> int:
    """The most minutes any placement could place: per supervisor, the lesser of the
    minutes owed and the minutes available."""
    owed: dict[int, int] = defaultdict(int)
    for demand in demands:
        owed[demand.supervisor_id] += max(demand.minutes, 0)
    return sum(
        min(minutes, _length(_merge(availability.get(supervisor_id, ()))))
        for supervisor_id, minutes in owed.items()
    )


def first_fit(availability: dict[int, Sequence[Interval]], demands: Iterable[Demand]) -> Placement:
    """A plain first-fit pass (the benchmark's baseline): each demand in the given order
    takes the first free gap that holds it whole, ignoring routine, blocked times and splits.
    """
    free = {sid: _merge(intervals) for sid, intervals in availability.items()}
    result = Placement()
    for demand in demands:
        gaps = free.get(demand.supervisor_id, [])
        for index, (start, end) in enumerate(gaps):
            if end - start >= demand.minutes:
                result.blocks.append(
                    Block(
                        demand.partner_id, demand.supervisor_id, ((start, start + demand.minutes),)
                    )
                )
                gaps[index] = (start + demand.minutes, end)
                break
        else:
            result.unplaced.append(
                Unplaced(demand.partner_id, demand.supervisor_id, demand.minutes, "no gap")
            )
    return result


def _demand_key(demand: Demand) -> tuple[int, int]:
    return (-demand.minutes, demand.partner_id)


def _place_supervisor(free: list[Interval], demands: list[Demand]) -> Placement:
    first = _place_gaps_first(free, demands)
    if not first.unplaced or sum(d.minutes for d in demands) > _length(free):
        return first
    second = _place_in_order(free, demands)
    better = max(
        (first, second),
        key=lambda p: (p.placed_minutes, -sum(block.split for block in p.blocks)),
    )
    return better


def _place_gaps_first(free: list[Interval], demands: list[Demand]) -> Placement:
    gaps = list(free)
    placed = []
    waiting = []
    for demand in demands:
        if demand.last_start is not None:
            wanted = (demand.last_start, demand.last_start + demand.minutes)
            if _inside(wanted, gaps) and not _overlaps(wanted, demand.blocked):
                placed.append(Block(demand.partner_id, demand.supervisor_id, (wanted,)))
                _take(gaps, wanted)
                continue
        waiting.append(demand)
    splitting = []
    for demand in waiting:
        part = _whole_gap(gaps, sorted(demand.blocked), demand.minutes)
        if part is None:
            splitting.append(demand)
            continue
        placed.append(Block(demand.partner_id, demand.supervisor_id, (part,)))
        _take(gaps, part)
    unplaced = []
    for demand in splitting:
        parts = _two_parts(_subtract(gaps, demand.blocked), demand.minutes)
        if parts is None:
            unplaced.append(demand)
            continue
        placed.append(_block(demand, parts))
        for part in parts:
            _take(gaps, part)
    return _result(free, demands, placed, unplaced)


def _whole_gap(gaps: list[Interval], blocked: list[Interval], minutes: int) -> Interval | None:
    """The earliest ``minutes`` of one gap outside ``blocked`` (sorted by start)."""
    for start, end in gaps:
        if end - start < minutes:
            continue
        cursor = start
        for blocked_start, blocked_end in blocked:
            if blocked_end <= cursor:
                continue
            if blocked_start >= end:
                break
            if blocked_start - cursor >= minutes:
                return (cursor, cursor + minutes)
            cursor = max(cursor, blocked_end)
        if end - cursor >= minutes:
            return (cursor, cursor + minutes)
    return None


def _take(gaps: list[Interval], part: Interval) -> None:
    """Remove ``part`` from the sorted ``gaps`` (it lies inside one gap), in place."""
    index = bisect_right(gaps, (part[0], MINUTES_PER_WEEK + 1)) - 1
    start, end = gaps[index]
    gaps[index : index + 1] = [
        piece for piece in ((start, part[0]), (part[1], end)) if piece[0] < piece[1]
    ]


def _place_in_order(free: list[Interval], demands: list[Demand]) -> Placement:
    gaps = list(free)
    cursor = free[0][0] if free else 0
    placed = []
    unplaced = []
    for demand in demands:
        usable = _subtract(gaps, demand.blocked)
        parts = _fill_from(usable, cursor, demand.minutes) or _fill_from(usable, 0, demand.minutes)
        if parts is None:
            unplaced.append(demand)
            continue
        placed.append(_block(demand, parts))
        gaps = _subtract(gaps, parts)
        cursor = parts[-1][1]
    return _result(free, demands, placed, unplaced)


def _fill_from(usable: list[Interval], cursor: int, minutes: int) -> tuple[Interval, ...] | None:
    """``minutes`` from the first free minute at or after ``cursor``, in at most two parts."""
    parts: list[Interval] = []
    left = minutes
    for start, end in usable:
        start = max(start, cursor)
        if start >= end:
            continue
        take = min(left, end - start)
        parts.append((start, start + take))
        left -= take
        if left == 0:
            return tuple(parts)
        if len(parts) == 2:
            return None
    return None


def _two_parts(usable: list[Interval], minutes: int) -> tuple[Interval, ...] | None:
    for index, (start, end) in enumerate(usable):
        first = end - start
        for later_start, later_end in usable[index + 1 :]:
            if first + later_end - later_start >= minutes:
                return ((start, end), (later_start, later_start + minutes - first))
    return None


def _result(
    free: list[Interval],
    demands: list[Demand],
    blocks: Iterable[Block],
    unplaced: list[Demand],
) -> Placement:
    capacity = _length(free)
    over = sum(d.minutes for d in demands) - capacity
    missing = []
    for demand in sorted(unplaced, key=lambda d: d.partner_id):
        # Over capacity when the supervisor's week cannot hold all it owes; otherwise the
        # partner's blocked times leave no free time (in at most two parts) that holds it.
        reason = f"over capacity by {over} minutes" if over > 0 else "no common window"
        missing.append(Unplaced(demand.partner_id, demand.supervisor_id, demand.minutes, reason))
    ordered = sorted(blocks, key=lambda block: (block.parts[0][0], block.partner_id))
    return Placement(ordered, missing)


def _block(demand: Demand, parts: tuple[Interval, ...]) -> Block:
    return Block(demand.partner_id, demand.supervisor_id, tuple(sorted(parts)))


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(gaps: Sequence[Interval], taken: Iterable[Interval]) -> list[Interval]:
    remaining = list(gaps)
    for cut_start, cut_end in _merge(taken):
        pieces = []
        for start, end in remaining:
            if cut_end <= start or end <= cut_start:
                pieces.append((start, end))
                continue
            if start < cut_start:
                pieces.append((start, cut_start))
            if cut_end < end:
                pieces.append((cut_end, end))
        remaining = pieces
    return remaining


def _inside(interval: Interval, gaps: Sequence[Interval]) -> bool:
    index = bisect_right(gaps, (interval[0], MINUTES_PER_WEEK + 1)) - 1
    return index >= 0 and interval[1] <= gaps[index][1]


def _overlaps(interval: Interval, others: Iterable[Interval]) -> bool:
    return any(start < interval[1] and interval[0] < end for start, end in others)


def _length(intervals: Iterable[Interval]) -> int:
    return sum(end - start for start, end in intervals)
