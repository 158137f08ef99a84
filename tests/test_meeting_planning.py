"""The coming week's meetings, planned from preferred weekly times: the first N of each
local week (N: what the one owed-time rule says the partnership owes: nothing when referred
or on hold, more under a crisis cadence), once however often planning runs, none for a
closed partnership, and at the same wall-clock time across daylight saving.

Planning asks what is owed at the planned instants, and a partnership's stages are recorded
at the real time of its transitions, so the planning clocks here lie after today."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.jobs.sweep import plan_coming_week
from tpm_plugin.models import Meeting, utcnow
from tpm_plugin.services import cadence_overrides, meetings, transitions
from tpm_plugin.services._unit import session
from tpm_plugin.services.rhythm import set_preferred_times
from tpm_plugin.services.rhythm.local_time import instant_of

from . import factories
from .conftest import BACKENDS

CHICAGO = ZoneInfo("America/Chicago")


def _prefer(made: factories.World, *slots: tuple[int, dt.time]) -> None:
    set_preferred_times(
        factories.actor(made.partner_user),
        made.partnership.id,
        [{"weekday": day, "time": at} for day, at in slots],
    )


def _identify(made: factories.World) -> None:
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )


def _next_sunday_noon(zone: ZoneInfo) -> dt.datetime:
    """Noon on the first Sunday at least a day from now, in ``zone``, as an instant."""
    day = utcnow().date() + dt.timedelta(days=1)
    day += dt.timedelta(days=(6 - day.weekday()) % 7)
    return instant_of(dt.datetime.combine(day, dt.time(12)), zone)


def _next_autumn_change() -> dt.date:
    """The next first Sunday of November (Chicago's clocks fall back) a week or more away."""
    year = utcnow().year
    while True:
        first = dt.date(year, 11, 1)
        sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7)
        if sunday - dt.timedelta(days=7) > utcnow().date():
            return sunday
        year += 1


def _meetings() -> list[dt.datetime]:
    return list(session().scalars(select(Meeting.scheduled_at).order_by(Meeting.scheduled_at)))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_coming_week_gets_the_first_three_preferred_times_once(app: Flask):
    made = factories.world(timezone="America/Chicago")
    factories.activate(made)
    _prefer(made, *((day, dt.time(16)) for day in range(5)))
    # Sunday noon in Chicago: the coming week is Monday to Sunday.
    now = _next_sunday_noon(CHICAGO)
    assert plan_coming_week(now=now) == 3
    assert plan_coming_week(now=now + dt.timedelta(hours=1)) == 0
    monday = now.astimezone(CHICAGO).date() + dt.timedelta(days=1)
    local = [at.astimezone(CHICAGO) for at in _meetings()]
    assert [(at.date(), at.hour) for at in local] == [
        (monday + dt.timedelta(days=day), 16) for day in range(3)
    ]


def test_a_program_of_two_meetings_a_week_plans_two(app: Flask):
    made = factories.world(timezone="America/Chicago", meetings_per_week=2)
    _identify(made)
    _prefer(made, (0, dt.time(9)), (2, dt.time(9)), (4, dt.time(9)))
    assert plan_coming_week(now=_next_sunday_noon(CHICAGO)) == 2


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_referred_partnership_gets_no_meetings_and_one_in_identification_does(app: Flask):
    made = factories.world(timezone="America/Chicago")
    _prefer(made, *((day, dt.time(9)) for day in range(5)))
    now = _next_sunday_noon(CHICAGO)
    assert plan_coming_week(now=now) == 0
    _identify(made)
    assert plan_coming_week(now=now) == 3


def test_a_partnership_on_hold_gets_no_meetings(app: Flask):
    made = factories.world(timezone="America/Chicago")
    _identify(made)
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "put_on_hold", "Family away."
    )
    _prefer(made, *((day, dt.time(9)) for day in range(5)))
    assert plan_coming_week(now=_next_sunday_noon(CHICAGO)) == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_crisis_cadence_raises_the_meetings_planned(app: Flask):
    made = factories.world(timezone="America/Chicago", meetings_per_week=2)
    _identify(made)
    _prefer(made, *((day, dt.time(9)) for day in range(7)))
    cadence_overrides.raise_cadence(
        factories.actor(made.manager_user),
        made.partnership.id,
        {"meetings_per_week": 5, "weeks": 4, "reason": "A hard month."},
    )
    assert plan_coming_week(now=_next_sunday_noon(CHICAGO)) == 5


def test_a_closed_partnership_gets_no_meetings(app: Flask):
    made = factories.world()
    _identify(made)
    _prefer(made, (0, dt.time(9)))
    factories.withdraw(made)
    assert plan_coming_week(now=_next_sunday_noon(CHICAGO)) == 0


def test_planned_meetings_keep_their_wall_time_across_the_autumn_change(app: Flask):
    made = factories.world(timezone="America/Chicago")
    _identify(made)
    _prefer(made, (0, dt.time(16)))
    change = _next_autumn_change()
    # Plan the Mondays before and after the Sunday the clocks fall back.
    for sunday in (change - dt.timedelta(days=7), change):
        plan_coming_week(now=dt.datetime.combine(sunday, dt.time(17), tzinfo=dt.UTC))
    first, second = _meetings()
    assert [at.astimezone(CHICAGO).hour for at in (first, second)] == [16, 16]
    assert second - first == dt.timedelta(days=7, hours=1)


def test_a_meeting_already_at_a_preferred_time_is_not_planned_twice(app: Flask):
    made = factories.world(timezone="UTC")
    _identify(made)
    _prefer(made, (0, dt.time(9)))
    now = _next_sunday_noon(ZoneInfo("UTC"))
    meetings.add_meeting(
        factories.actor(made.partner_user),
        made.partnership.id,
        {"scheduled_at": now + dt.timedelta(hours=21), "status": "scheduled"},
    )
    assert plan_coming_week(now=now) == 0
