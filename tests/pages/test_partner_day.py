"""The partner's day (``services.partner_day``): today and this week on the program's clock."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from tests import factories
from tpm_plugin.errors import Forbidden, NotFound
from tpm_plugin.services import meetings, partner_day

#: A Wednesday, 10:00 in New York (15:00 UTC).
NOW = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)


def _meeting(world: factories.World, at: dt.datetime) -> int:
    manager = factories.actor(world.manager_user)
    data = {"scheduled_at": at, "status": "scheduled"}
    return meetings.add_meeting(manager, world.partnership.id, data).id


def test_meetings_split_into_today_and_the_weeks_other_days_on_the_programs_clock(
    app: Flask,
) -> None:
    world = factories.world(started_at=factories.LONG_AGO, timezone="America/New_York")
    # Tuesday 21:00 in New York is already Wednesday in UTC: it belongs to yesterday.
    yesterday = _meeting(world, dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC))
    today = _meeting(world, dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.UTC))
    # Sunday 23:00 in New York is Monday in UTC: still this week on the program's clock.
    sunday = _meeting(world, dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC))
    next_week = _meeting(world, dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC))
    last_week = _meeting(world, dt.datetime(2026, 11, 23, 4, 0, tzinfo=dt.UTC))
    day = partner_day.partner_day(factories.actor(world.partner_user), NOW)
    assert [slot.id for slot in day.today] == [today]
    assert [slot.id for slot in day.this_week] == [yesterday, sunday]
    assert next_week not in {slot.id for slot in day.this_week}
    assert last_week not in {slot.id for slot in day.this_week}


def test_a_corrected_meeting_shows_only_its_newest_version(app: Flask) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    first = _meeting(world, at)
    manager = factories.actor(world.manager_user)
    meetings.log_outcome(manager, first, {"status": "no_show"})
    correction = meetings.add_meeting(
        manager,
        world.partnership.id,
        {"scheduled_at": at, "status": "held", "minutes": 30, "supersedes_id": first},
    )
    day = partner_day.partner_day(factories.actor(world.partner_user), NOW)
    assert [(slot.id, slot.status) for slot in day.today] == [(correction.id, "held")]


def test_a_closed_partnership_is_listed_last_without_meetings(app: Flask) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    _meeting(world, dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC))
    open_one = factories.partnership(world.program, partner=world.partner)
    factories.withdraw(world)
    day = partner_day.partner_day(factories.actor(world.partner_user), NOW)
    assert [card.id for card in day.partnerships] == [open_one.id, world.partnership.id]
    assert day.partnerships[1].closed and day.today == []


def test_the_client_is_named_by_first_name_only(app: Flask) -> None:
    world = factories.world()
    named = factories.client(world.program, display_name="Ana María López")
    factories.partnership(world.program, client=named, partner=world.partner)
    day = partner_day.partner_day(factories.actor(world.partner_user))
    assert "Ana" in {card.client_first_name for card in day.partnerships}
    assert partner_day.first_name(None) is None and partner_day.first_name("  ") is None


def test_someone_who_is_no_partner_has_no_partners_day(app: Flask) -> None:
    world = factories.world()
    with pytest.raises(Forbidden):
        partner_day.partner_day(factories.actor(world.supervisor_user))


def test_a_partnership_card_outside_ones_reach_is_not_found(app: Flask) -> None:
    world = factories.world()
    stranger = factories.partner(world.program)
    with pytest.raises(NotFound):
        partner_day.partnership_card(factories.actor(stranger.host_user_id), world.partnership.id)
