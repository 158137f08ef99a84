"""Program-local wall-clock times across daylight saving (America/Chicago, Europe/Berlin):
weekly meeting times stay on the wall clock, a time the clocks skip becomes the next valid
instant, and a time that happens twice becomes one instant, the first."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tpm_plugin.services.rhythm.local_time import instant_of, wall_time
from tpm_plugin.services.rhythm.planning import planned_instants, week_slots

ZONES = ["America/Chicago", "Europe/Berlin"]

days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))
zones = st.sampled_from(ZONES)


def _exists(wall: dt.datetime, zone: ZoneInfo) -> bool:
    return any(
        wall_time(wall.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC), zone) == wall
        for fold in (0, 1)
    )


@settings(max_examples=400)
@given(day=days, at=times, zone_name=zones)
def test_a_wall_time_that_exists_is_shown_on_the_wall_at_its_instant(day, at, zone_name):
    zone = ZoneInfo(zone_name)
    wall = dt.datetime.combine(day, at)
    instant = instant_of(wall, zone)
    if _exists(wall, zone):
        assert wall_time(instant, zone) == wall
    else:
        # Skipped: the next valid instant, the moment the clocks jumped over it.
        assert wall_time(instant, zone) > wall
        assert wall_time(instant - dt.timedelta(minutes=1), zone) < wall


@settings(max_examples=400)
@given(day=days, at=times, zone_name=zones)
def test_a_repeated_wall_time_is_one_instant_the_first(day, at, zone_name):
    zone = ZoneInfo(zone_name)
    wall = dt.datetime.combine(day, at)
    shown_at = [
        instant
        for fold in (0, 1)
        if wall_time(instant := wall.replace(tzinfo=zone, fold=fold).astimezone(dt.UTC), zone)
        == wall
    ]
    if shown_at:
        assert instant_of(wall, zone) == min(shown_at)


@pytest.mark.parametrize(
    ("zone_name", "wall", "expected_utc"),
    [
        # Spring forward: 02:30 does not exist; the clocks jump at 02:00 local.
        ("America/Chicago", dt.datetime(2026, 3, 8, 2, 30), dt.datetime(2026, 3, 8, 8, 0)),
        ("Europe/Berlin", dt.datetime(2026, 3, 29, 2, 30), dt.datetime(2026, 3, 29, 1, 0)),
        # Fall back: 01:30 happens twice; the first is daylight time.
        ("America/Chicago", dt.datetime(2026, 11, 1, 1, 30), dt.datetime(2026, 11, 1, 6, 30)),
        ("Europe/Berlin", dt.datetime(2026, 10, 25, 2, 30), dt.datetime(2026, 10, 25, 0, 30)),
    ],
)
def test_skipped_and_repeated_hours_resolve_to_one_known_instant(zone_name, wall, expected_utc):
    assert instant_of(wall, ZoneInfo(zone_name)) == expected_utc.replace(tzinfo=dt.UTC)


@settings(max_examples=150)
@given(
    monday=days.map(lambda d: d - dt.timedelta(days=d.weekday())),
    weekday=st.integers(0, 6),
    at=times,
    zone_name=zones,
)
def test_a_weekly_time_stays_on_the_wall_clock_week_after_week(monday, weekday, at, zone_name):
    zone = ZoneInfo(zone_name)
    walls = []
    for week in range(60):
        [instant] = week_slots([(weekday, at)], monday + dt.timedelta(weeks=week), zone, 3)
        walls.append(wall_time(instant, zone))
    for week, shown in enumerate(walls):
        wanted = dt.datetime.combine(monday + dt.timedelta(weeks=week, days=weekday), at)
        if _exists(wanted, zone):
            assert shown == wanted
        else:
            assert wanted < shown <= wanted + dt.timedelta(hours=1)


@settings(max_examples=150)
@given(now_day=days, now_time=times, zone_name=zones)
def test_planning_twice_a_day_apart_plans_each_weekly_time_once(now_day, now_time, zone_name):
    zone = ZoneInfo(zone_name)
    preferred = [(0, dt.time(16)), (2, dt.time(2, 30)), (6, dt.time(1, 30))]
    now = instant_of(dt.datetime.combine(now_day, now_time), zone)
    planned = set()
    for day in range(14):
        planned.update(planned_instants(preferred, 3, zone, now + dt.timedelta(days=day)))
    local_days = [wall_time(instant, zone).date() for instant in planned]
    # One meeting per preferred weekday per week: never twice in a repeated hour.
    assert len(local_days) == len(set(local_days))
    assert all(wall_time(i, zone).weekday() in (0, 2, 6) for i in planned)


def test_planning_takes_the_first_n_preferred_times_of_each_week():
    zone = ZoneInfo("Europe/Berlin")
    preferred = [(day, dt.time(17)) for day in range(5)]
    monday = dt.date(2026, 6, 1)
    slots = week_slots(preferred, monday, zone, 3)
    assert [wall_time(s, zone).weekday() for s in slots] == [0, 1, 2]


def test_instant_of_refuses_an_aware_time():
    with pytest.raises(ValueError, match="naive"):
        instant_of(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), ZoneInfo("UTC"))
