"""The rule itself, on plain values: what one partnership owes in one stretch of one week.

A partnership owes meetings and supervision minutes only while it is open and in a stage
whose cadence owes them. While it owes, the weekly rate is the stage's own figure where its
cadence names one, else the program's target in force at that moment; a crisis cadence in
force raises that rate (never lowers it). A week owes each rate in proportion to the time
spent at it: ``rate × time / length of the week``. The week is a program-local Monday to
Monday, so across a daylight-saving change it is 167 or 169 hours long, and the proportion
is of that week's own length.

Everything is exact (:class:`~fractions.Fraction`); callers add exact values and round once
when they show them.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from ...workflows.cadence import OWES_NOTHING, StageRule

_ZERO = Fraction(0)
_MICROSECOND = dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class Period:
    """Something that held from ``since`` (``None``: always) until ``until`` (``None``: still)."""

    since: dt.datetime | None
    until: dt.datetime | None

    def covers(self, moment: dt.datetime) -> bool:
        """Whether the period holds at ``moment``."""
        return (self.since is None or self.since <= moment) and (
            self.until is None or moment < self.until
        )


@dataclass(frozen=True)
class TargetPeriod(Period):
    """A program's targets during a period."""

    meetings_per_week: int = 0
    supervision_minutes_per_client: int = 0


@dataclass(frozen=True)
class CrisisCadence(Period):
    """A raised cadence during a period (``None`` figures are not raised)."""

    meetings_per_week: int | None = None
    supervision_minutes_per_client: int | None = None


@dataclass(frozen=True)
class OwedHistory:
    """Everything that decides what one partnership owes, over its whole life.

    Attributes:
        partnership_id: the partnership.
        started_at, ended_at: it owes nothing before it started or once it ended.
        stages: ``(entered_at, rule)`` in time order; the first is the stage it started in.
        targets: the program's targets over time; where none covers a moment,
            ``default_targets`` (the program's current figures) hold.
        crises: crisis cadences, in force over their periods.
    """

    partnership_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    stages: tuple[tuple[dt.datetime, StageRule], ...]
    default_targets: TargetPeriod
    targets: tuple[TargetPeriod, ...] = ()
    crises: tuple[CrisisCadence, ...] = ()
    _entered: tuple[dt.datetime, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_entered", tuple(at for at, _ in self.stages))

    def stage_at(self, moment: dt.datetime) -> StageRule:
        """The owing rule of the stage the partnership was in at ``moment``."""
        index = bisect.bisect_right(self._entered, moment) - 1
        return self.stages[max(index, 0)][1] if self.stages else OWES_NOTHING

    def rates_at(self, moment: dt.datetime) -> tuple[int, int]:
        """(meetings per week, supervision minutes per week) owed at ``moment``."""
        if moment < self.started_at or (self.ended_at is not None and moment >= self.ended_at):
            return 0, 0
        rule = self.stage_at(moment)
        if not rule.owes:
            return 0, 0
        targets = next((t for t in self.targets if t.covers(moment)), self.default_targets)
        meetings = _first_set(rule.meetings_per_week, targets.meetings_per_week)
        minutes = _first_set(
            rule.supervision_minutes_per_client, targets.supervision_minutes_per_client
        )
        for crisis in self.crises:
            if crisis.covers(moment):
                meetings = max(meetings, crisis.meetings_per_week or 0)
                minutes = max(minutes, crisis.supervision_minutes_per_client or 0)
        return meetings, minutes

    def owing_at(self, moment: dt.datetime) -> bool:
        """Whether the partnership is open and in a stage that owes at ``moment``."""
        if moment < self.started_at or (self.ended_at is not None and moment >= self.ended_at):
            return False
        return self.stage_at(moment).owes

    def changes(self) -> Iterable[dt.datetime]:
        """Every moment at which what it owes may change."""
        yield self.started_at
        if self.ended_at is not None:
            yield self.ended_at
        yield from self._entered
        for period in (*self.targets, *self.crises):
            if period.since is not None:
                yield period.since
            if period.until is not None:
                yield period.until


@dataclass(frozen=True)
class Owed:
    """What a week owes: the share of the week spent in owing stages (0 to 1 for one
    partnership; summed over partnerships for a scope), meetings and supervision minutes.
    Exact fractions; add them, and round once when showing them."""

    share: Fraction = _ZERO
    meetings: Fraction = _ZERO
    supervision_minutes: Fraction = _ZERO

    def __add__(self, other: Owed) -> Owed:
        return Owed(
            self.share + other.share,
            self.meetings + other.meetings,
            self.supervision_minutes + other.supervision_minutes,
        )


NOTHING_OWED = Owed()


def owed_in_week(
    history: OwedHistory,
    week_start: dt.datetime,
    week_end: dt.datetime,
    within: Sequence[Period] | None = None,
) -> Owed:
    """What ``history``'s partnership owes in the week ``[week_start, week_end)``.

    This is THE rule of owed time: fidelity, ``?overdue=true`` and the misses all call it.

    Args:
        history: the partnership's stages, targets and crisis cadences over time.
        week_start, week_end: the program-local week's bounds as aware instants.
        within: count only the time inside these periods (for example while one partner
            held the assignment); ``None`` counts the whole week. The periods must not
            overlap.

    Returns:
        The share of the week spent owing, and the meetings and supervision minutes owed,
        each ``rate × time / week length`` summed over the week's stretches. Never negative,
        and never more than the highest rate in force that week.
    """
    length = (week_end - week_start) // _MICROSECOND
    if length <= 0:
        return NOTHING_OWED
    spans = (
        [(week_start, week_end)] if within is None else list(_clip(within, week_start, week_end))
    )
    cuts = sorted({m for m in history.changes() if week_start < m < week_end})
    owing = meetings = minutes = 0
    for span_start, span_end in spans:
        bounds = [span_start, *(m for m in cuts if span_start < m < span_end), span_end]
        for start, end in zip(bounds, bounds[1:], strict=False):
            if not history.owing_at(start):
                continue
            stretch = (end - start) // _MICROSECOND
            meeting_rate, minute_rate = history.rates_at(start)
            owing += stretch
            meetings += meeting_rate * stretch
            minutes += minute_rate * stretch
    return Owed(Fraction(owing, length), Fraction(meetings, length), Fraction(minutes, length))


def _clip(
    periods: Sequence[Period], start: dt.datetime, end: dt.datetime
) -> Iterable[tuple[dt.datetime, dt.datetime]]:
    for period in periods:
        low = start if period.since is None else max(start, period.since)
        high = end if period.until is None else min(end, period.until)
        if low < high:
            yield low, high


def _first_set(value: int | None, default: int) -> int:
    return default if value is None else value
