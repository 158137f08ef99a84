"""The coming week's meetings, planned from preferred weekly times: the first N of each
local week (N from the stage or the program), once however often planning runs, none for a
closed partnership, and at the same wall-clock time across daylight saving."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.jobs.sweep import plan_coming_week
from tpm_plugin.models import Meeting
from tpm_plugin.services import meetings
from tpm_plugin.services._unit import session
from tpm_plugin.services.rhythm import set_preferred_times

from . import factories
from .conftest import BACKENDS

CHICAGO = ZoneInfo("America/Chicago")


def _prefer(made: factories.World, *slots: tuple[int, dt.time]) -> None:
    set_preferred_times(
        factories.actor(made.partner_user),
        made.partnership.id,
        [{"weekday": day, "time": at} for day, at in slots],
    )


def _meetings() -> list[dt.datetime]:
    return list(session().scalars(select(Meeting.scheduled_at).order_by(Meeting.scheduled_at)))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_coming_week_gets_the_first_three_preferred_times_once(app: Flask):
    made = factories.world(timezone="America/Chicago")
    factories.activate(made)
    _prefer(made, *((day, dt.time(16)) for day in range(5)))
    # Sunday 2026-06-07, noon in Chicago: the coming week is Monday 8 to Sunday 14.
    now = dt.datetime(2026, 6, 7, 17, 0, tzinfo=dt.UTC)
    assert plan_coming_week(now=now) == 3
    assert plan_coming_week(now=now + dt.timedelta(hours=1)) == 0
    local = [at.astimezone(CHICAGO) for at in _meetings()]
    assert [(at.day, at.hour) for at in local] == [(8, 16), (9, 16), (10, 16)]


def test_a_program_of_two_meetings_a_week_plans_two(app: Flask):
    made = factories.world(timezone="America/Chicago", meetings_per_week=2)
    _prefer(made, (0, dt.time(9)), (2, dt.time(9)), (4, dt.time(9)))
    assert plan_coming_week(now=dt.datetime(2026, 6, 7, 17, 0, tzinfo=dt.UTC)) == 2


def test_a_closed_partnership_gets_no_meetings(app: Flask):
    made = factories.world()
    _prefer(made, (0, dt.time(9)))
    factories.withdraw(made)
    assert plan_coming_week(now=dt.datetime(2026, 6, 7, 17, 0, tzinfo=dt.UTC)) == 0


def test_planned_meetings_keep_their_wall_time_across_the_autumn_change(app: Flask):
    made = factories.world(timezone="America/Chicago")
    _prefer(made, (0, dt.time(16)))
    # Clocks fall back on Sunday 2026-11-01; plan the Mondays before and after.
    for now in (
        dt.datetime(2026, 10, 25, 17, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 17, 0, tzinfo=dt.UTC),
    ):
        plan_coming_week(now=now)
    first, second = _meetings()
    assert [at.astimezone(CHICAGO).hour for at in (first, second)] == [16, 16]
    assert second - first == dt.timedelta(days=7, hours=1)


def test_a_meeting_already_at_a_preferred_time_is_not_planned_twice(app: Flask):
    made = factories.world(timezone="UTC", started_at=factories.LONG_AGO)
    _prefer(made, (0, dt.time(9)))
    now = dt.datetime(2026, 6, 7, 12, 0, tzinfo=dt.UTC)
    meetings.add_meeting(
        factories.actor(made.partner_user),
        made.partnership.id,
        {"scheduled_at": dt.datetime(2026, 6, 8, 9, 0, tzinfo=dt.UTC), "status": "scheduled"},
    )
    assert plan_coming_week(now=now) == 0
