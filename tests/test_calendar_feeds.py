"""Calendar feeds: the owner makes, rotates and revokes a secret feed address; the feed
holds their meetings and supervision blocks in the program's timezone (with its VTIMEZONE),
with no care details, and parses back with the icalendar package."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from icalendar import Calendar
from sqlalchemy import select

from tpm_plugin.models import AccessAudit, Meeting, SupervisionSession
from tpm_plugin.services._unit import unit_of_work

from . import factories
from .conftest import BACKENDS

ZONE = "Europe/Berlin"


def _feed_path(url: str) -> str:
    return url[url.index("/tpm/api/") :]


def _world_with_events() -> tuple[factories.World, dt.datetime]:
    made = factories.world(timezone=ZONE)
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    with unit_of_work() as unit:
        unit.session.add(
            Meeting(
                partnership_id=made.partnership.id,
                scheduled_at=starts,
                status="scheduled",
                experience_note="Private note about the client.",
            )
        )
        unit.session.add(
            SupervisionSession(
                supervisor_id=made.supervisor.id,
                partner_id=made.partner.id,
                scheduled_at=starts + dt.timedelta(days=1),
                scheduled_minutes=40,
                notes="Supervisor's private notes.",
            )
        )
    return made, starts


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_partners_feed_round_trips_with_its_timezone_and_no_care_details(app: Flask):
    made, starts = _world_with_events()
    client = app.test_client()
    made_feed = client.post(
        f"/tpm/api/partners/{made.partner.id}/calendar-feed",
        headers=factories.as_user(made.partner_user),
    )
    assert made_feed.status_code == 201, made_feed.json
    answer = client.get(_feed_path(made_feed.json["url"]))
    assert answer.status_code == 200
    assert answer.mimetype == "text/calendar"
    text = answer.get_data(as_text=True)
    calendar = Calendar.from_ical(answer.get_data())
    [timezone] = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == ZONE
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("DTSTART"))
    assert [str(e["SUMMARY"]) for e in events] == ["Partnership meeting", "Supervision"]
    first = events[0].decoded("DTSTART")
    assert str(first.tzinfo) == ZONE
    assert first == starts
    assert events[1].decoded("DTEND") - events[1].decoded("DTSTART") == dt.timedelta(minutes=40)
    for secret in ("Private note", "private notes", made.client.display_name or "Client"):
        assert secret not in text


def test_rotating_a_feed_retires_the_old_address_and_revoking_retires_the_new(app: Flask):
    made, _ = _world_with_events()
    client = app.test_client()
    headers = factories.as_user(made.supervisor_user)
    path = f"/tpm/api/supervisors/{made.supervisor.id}/calendar-feed"
    old = client.post(path, headers=headers).json["url"]
    new = client.post(path, headers=headers).json["url"]
    assert client.get(_feed_path(old)).status_code == 404
    assert client.get(_feed_path(new)).status_code == 200
    assert client.delete(path, headers=headers).status_code == 204
    gone = client.get(_feed_path(new))
    assert gone.status_code == 404
    assert gone.json["error"]["code"] == "not_found"
    assert client.delete(path, headers=headers).status_code == 404


def test_a_person_in_two_programs_owns_the_feed_of_each_of_their_rows(app: Flask):
    made, _ = _world_with_events()
    # One host user, a supervisor row and a partner row in a second program as well.
    other = factories.program()
    rows = [
        ("supervisors", made.supervisor_user, made.supervisor.id),
        (
            "supervisors",
            made.supervisor_user,
            factories.supervisor(other, user_id=made.supervisor_user).id,
        ),
        ("partners", made.partner_user, made.partner.id),
        ("partners", made.partner_user, factories.partner(other, user_id=made.partner_user).id),
    ]
    client = app.test_client()
    for kind, user, own_id in rows:
        path = f"/tpm/api/{kind}/{own_id}/calendar-feed"
        made_feed = client.post(path, headers=factories.as_user(user))
        assert made_feed.status_code in (200, 201), made_feed.json
        assert client.get(_feed_path(made_feed.json["url"])).status_code == 200
        assert client.delete(path, headers=factories.as_user(user)).status_code == 204
    # Another program's supervisor's feed stays out of reach, audited as denied.
    foreign = factories.supervisor(factories.program())
    path = f"/tpm/api/supervisors/{foreign.id}/calendar-feed"
    assert client.post(path, headers=factories.as_user(made.supervisor_user)).status_code == 404
    denied = factories.session().scalars(
        select(AccessAudit.object_id).where(
            AccessAudit.actor_id == made.supervisor_user, AccessAudit.outcome == "denied"
        )
    )
    assert list(denied) == [str(foreign.id)]


def test_only_the_owner_makes_or_revokes_their_feed(app: Flask):
    made, _ = _world_with_events()
    client = app.test_client()
    for user in (made.manager_user, made.supervisor_user):
        answer = client.post(
            f"/tpm/api/partners/{made.partner.id}/calendar-feed", headers=factories.as_user(user)
        )
        assert answer.status_code == 404
    assert client.post(f"/tpm/api/partners/{made.partner.id}/calendar-feed").status_code == 401
    denied = (
        factories.session()
        .query(AccessAudit)
        .filter(AccessAudit.action == "rotate_feed", AccessAudit.outcome == "denied")
        .count()
    )
    assert denied == 2
    assert client.get("/tpm/api/calendar/not-a-token.ics").status_code == 404
