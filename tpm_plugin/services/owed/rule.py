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
    #: Every moment at which what it owes may change, sorted.
    moments: tuple[dt.datetime, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_entered", tuple(at for at, _ in self.stages))
        object.__setattr__(self, "moments", tuple(sorted(set(self._changes()))))

    def stage_at(self, moment: dt.datetime) -> StageRule:
        """The owing rule of the stage the partnership was in at ``moment``."""
        index = bisect.bisect_right(self._entered, moment) - 1
        return self.stages[max(index, 0)][1] if self.stages else OWES_NOTHING

    def rates_at(self, moment: dt.datetime) -> tuple[int, int] | tuple[None, None]:
        """(meetings per week, supervision minutes per week) owed at ``moment``;
        ``(None, None)`` when the partnership does not owe then (not open, or in a stage
        that owes nothing)."""
        if moment < self.started_at or (self.ended_at is not None and moment >= self.ended_at):
            return None, None
        rule = self.stage_at(moment)
        if not rule.owes:
            return None, None
        targets = self.default_targets
        for period in self.targets:
            if period.covers(moment):
                targets = period
                break
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

    def _changes(self) -> Iterable[dt.datetime]:
        yield self.started_at
        if self.ended_at is not None:
            yield self.ended_at
        yield from self._entered
        for period in (*self.targets, *self.crises):
            if period.since is not None:
                yield period.since
            if period.until is not None:
                yield period.until


@dataclass(frozen=True, eq=False)
class Owed:
    """What a week owes, exactly: the share of the week spent in owing stages (0 to 1 for
    one partnership; summed over partnerships for a scope), meetings and supervision
    minutes, as fractions of the week's length.

    Kept as integer numerators over ``length`` (the week in microseconds), so a scope adds
    its partnerships' figures with integer sums; read the figures as
    :class:`~fractions.Fraction` through :attr:`share`, :attr:`meetings` and
    :attr:`supervision_minutes`, add them, and round once when showing them.
    """

    owing_time: int = 0
    meeting_time: int = 0
    minute_time: int = 0
    length: int = 1

    @property
    def share(self) -> Fraction:
        """The share of the week spent owing."""
        return Fraction(self.owing_time, self.length)

    @property
    def meetings(self) -> Fraction:
        """Meetings owed."""
        return Fraction(self.meeting_time, self.length)

    @property
    def supervision_minutes(self) -> Fraction:
        """Supervision minutes owed."""
        return Fraction(self.minute_time, self.length)

    def meetings_missed(self, held: int) -> bool:
        """Whether ``held`` meetings fall short of the meetings owed (exactly)."""
        return held * self.length < self.meeting_time

    def __add__(self, other: Owed) -> Owed:
        if other.length == self.length:
            return Owed(
                self.owing_time + other.owing_time,
                self.meeting_time + other.meeting_time,
                self.minute_time + other.minute_time,
                self.length,
            )
        mine, theirs = other.length, self.length
        return Owed(
            self.owing_time * mine + other.owing_time * theirs,
            self.meeting_time * mine + other.meeting_time * theirs,
            self.minute_time * mine + other.minute_time * theirs,
            self.length * other.length,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Owed):
            return NotImplemented
        return (self.share, self.meetings, self.supervision_minutes) == (
            other.share,
            other.meetings,
            other.supervision_minutes,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Owed(share={self.share}, meetings={self.meetings}, "
            f"supervision_minutes={self.supervision_minutes})"
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
    spans = [(week_start, week_end)] if within is None else _clip(within, week_start, week_end)
    moments = history.moments
    owing = meetings = minutes = 0
    for span_start, span_end in spans:
        first = bisect.bisect_right(moments, span_start)
        last = bisect.bisect_left(moments, span_end)
        bounds = [span_start, *moments[first:last], span_end]
        for start, end in zip(bounds, bounds[1:], strict=False):
            meeting_rate, minute_rate = history.rates_at(start)
            if meeting_rate is None:
                continue
            stretch = (end - start) // _MICROSECOND
            owing += stretch
            meetings += meeting_rate * stretch
            minutes += minute_rate * stretch
    return Owed(owing, meetings, minutes, length)


def _clip(
    periods: Sequence[Period], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    spans = []
    for period in periods:
        low = start if period.since is None else max(start, period.since)
        high = end if period.until is None else min(end, period.until)
        if low < high:
            spans.append((low, high))
    return spans


def _first_set(value: int | None, default: int) -> int:
    return default if value is None else value
