"""Changing a partnership's preferred weekly times replaces the meetings still to come that
were planned from the old times (scheduled, in the future, no outcome), in the same
audited transaction, so nobody is reminded of a time that no longer holds. Meetings at times
that stay, cancelled ones, and ones set by hand at other times are kept."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, update

from tpm_plugin.jobs.rhythm import meeting_reminder
from tpm_plugin.jobs.sweep import plan_coming_week
from tpm_plugin.models import AccessAudit, Meeting, utcnow
from tpm_plugin.services import meetings, transitions
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.rhythm import set_preferred_times

from . import factories
from .conftest import BACKENDS

NINE, TEN = dt.time(9), dt.time(10)


def _prefer(made: factories.World, *slots: tuple[int, dt.time]) -> None:
    set_preferred_times(
        factories.actor(made.partner_user),
        made.partnership.id,
        [{"weekday": day, "time": at} for day, at in slots],
    )


def _planned_world() -> factories.World:
    """A partnership in identification (it owes three meetings a week) whose coming week
    was planned on Mondays, Wednesdays and Fridays at 09:00 UTC."""
    made = factories.world(timezone="UTC")
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    _prefer(made, (0, NINE), (2, NINE), (4, NINE))
    assert plan_coming_week(now=utcnow()) == 3
    return made


def _scheduled() -> dict[int, tuple[int, dt.time]]:
    rows = session().execute(
        select(Meeting.id, Meeting.scheduled_at).where(Meeting.status == "scheduled")
    )
    return {meeting_id: (at.weekday(), at.time()) for meeting_id, at in rows}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_new_preferred_times_replace_the_meetings_planned_from_the_old_ones(app: Flask):
    made = _planned_world()
    old = _scheduled()

    _prefer(made, (1, TEN), (3, TEN), (5, TEN))

    assert sorted(old.values()) == [(0, NINE), (2, NINE), (4, NINE)]
    assert sorted(_scheduled().values()) == [(1, TEN), (3, TEN), (5, TEN)]
    [audit] = session().scalars(
        select(AccessAudit)
        .where(AccessAudit.action == "set_preferred_times")
        .order_by(AccessAudit.id.desc())
        .limit(1)
    )
    assert (audit.object_type, audit.object_id) == ("partnership", str(made.partnership.id))
    assert sorted(audit.object_ids) == sorted(old)


def test_a_meeting_at_a_time_that_stays_is_kept(app: Flask):
    made = _planned_world()
    [monday] = [m for m, slot in _scheduled().items() if slot == (0, NINE)]
    _prefer(made, (0, NINE), (1, TEN), (3, TEN))
    assert monday in _scheduled()
    assert sorted(_scheduled().values()) == [(0, NINE), (1, TEN), (3, TEN)]


def test_cancelled_and_hand_set_meetings_stay(app: Flask):
    made = _planned_world()
    [wednesday] = [m for m, slot in _scheduled().items() if slot == (2, NINE)]
    with unit_of_work() as unit:
        unit.session.execute(
            update(Meeting)
            .where(Meeting.id == wednesday)
            .values(status="cancelled", cancelled_by="client")
        )
    by_hand = meetings.add_meeting(
        factories.actor(made.partner_user),
        made.partnership.id,
        {"scheduled_at": utcnow() + dt.timedelta(days=2, minutes=7), "status": "scheduled"},
    ).id
    _prefer(made, (1, TEN))
    assert session().get(Meeting, wednesday).status == "cancelled"
    assert by_hand in _scheduled()


def test_a_reminder_booked_for_a_replaced_meeting_sends_nothing(app: Flask):
    made = _planned_world()
    with unit_of_work() as unit:
        for person in (made.partner,):
            unit.session.get(type(person), person.id).contact = "partner@example.org"
    [replaced, *_] = sorted(_scheduled())
    _prefer(made, (1, TEN))
    assert meeting_reminder(replaced, 60) == 0


def test_a_refused_change_keeps_the_planned_meetings(app: Flask):
    made = _planned_world()
    before = _scheduled()
    client = app.test_client()
    answer = client.put(
        f"/tpm/api/partnerships/{made.partnership.id}/preferred-times",
        json={"times": [{"weekday": "someday", "time": "10:00"}]},
        headers=factories.as_user(made.partner_user),
    )
    assert answer.status_code == 422
    assert _scheduled() == before
