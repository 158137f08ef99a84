"""The weeks a fidelity report covers: Monday to Sunday in the program's IANA timezone.

The window is validated here (at most :data:`MAX_WEEKS` weeks), and turned into a small
table of UTC instants that the statements join against, so daylight saving changes are
right and SQLite and PostgreSQL bucket identically, by comparing timestamps rather than by
dialect-specific date functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import CTE, Integer, literal, select, union_all

from ...errors import ValidationFailed
from ...models import UTCDateTime
from ...schemas.fidelity import DEFAULT_WEEKS, MAX_WEEKS


@dataclass(frozen=True)
class Week:
    """One week of the window: its Monday (local date) and its UTC bounds [starts, ends)."""

    index: int
    monday: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime


def week_window(
    timezone: str,
    *,
    weeks: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    today: dt.date | None = None,
) -> list[Week]:
    """The weeks to report, Monday-based in ``timezone``.

    Either the last ``weeks`` weeks up to and including the current one (default 12), or
    every week touching the local dates ``start`` … ``end``.

    Raises:
        ValidationFailed: both forms given, ``weeks`` outside 1…52, ``start`` after ``end``,
            or a span of more than 52 weeks.
    """
    zone = _zone(timezone)
    if weeks is not None and (start is not None or end is not None):
        raise ValidationFailed(
            "Ask for either 'weeks' or a 'from'/'to' range, not both.",
            fields={"weeks": ["Cannot be combined with 'from' or 'to'."]},
        )
    today = today or dt.datetime.now(zone).date()
    if start is None and end is None:
        count = DEFAULT_WEEKS if weeks is None else weeks
        if not 1 <= count <= MAX_WEEKS:
            raise ValidationFailed(
                f"'weeks' must be between 1 and {MAX_WEEKS}.",
                fields={"weeks": [f"Must be between 1 and {MAX_WEEKS}."]},
            )
        last = _monday(today)
        first = last - dt.timedelta(weeks=count - 1)
    else:
        first = _monday(start or end or today)
        last = _monday(end or today)
        if last < first:
            raise ValidationFailed(
                "'from' must not be after 'to'.", fields={"from": ["Must not be after 'to'."]}
            )
        count = (last - first).days // 7 + 1
        if count > MAX_WEEKS:
            raise ValidationFailed(
                f"The range spans {count} weeks; ask for at most {MAX_WEEKS}.",
                fields={"to": [f"The range must span at most {MAX_WEEKS} weeks."]},
            )
    return [_week(index, first + dt.timedelta(weeks=index), zone) for index in range(count)]


def weeks_table(weeks: list[Week]) -> CTE:
    """The window as a CTE named ``weeks`` with columns ``week``, ``starts_at``, ``ends_at``."""
    rows = [
        select(
            literal(week.index, Integer).label("week"),
            literal(week.starts_at, UTCDateTime()).label("starts_at"),
            literal(week.ends_at, UTCDateTime()).label("ends_at"),
        )
        for week in weeks
    ]
    return (union_all(*rows) if len(rows) > 1 else rows[0]).cte("weeks")


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"The program's timezone {timezone!r} is not an IANA timezone name.",
            fields={"timezone": ["Not an IANA timezone name."]},
        ) from None


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _week(index: int, monday: dt.date, zone: ZoneInfo) -> Week:
    def utc_midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    return Week(index, monday, utc_midnight(monday), utc_midnight(monday + dt.timedelta(7)))
