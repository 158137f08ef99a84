"""A partner logs a meeting in two taps: the meeting on their main page, then its outcome."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from tests import factories
from tests.pages.partner_pages import audit_rows, post_form, scheduled_meeting
from tpm_plugin.models import Meeting, utcnow
from tpm_plugin.services._unit import session


def _url(meeting: Meeting) -> str:
    return f"/tpm/partner/meetings/{meeting.id}"


def _stored(meeting: Meeting) -> Meeting:
    session().expire_all()
    return session().scalar(select(Meeting).where(Meeting.id == meeting.id))


def _log(client, world, meeting, data):
    # The token comes from the partnership's page: a logged meeting's page has no form.
    form_at = f"/tpm/partner/partnerships/{world.partnership.id}"
    headers = factories.as_user(world.partner_user)
    return post_form(client, _url(meeting), headers, data, form_at=form_at)


def test_the_form_shows_the_meeting_time_and_the_three_outcomes(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    page = client.get(_url(meeting), headers=factories.as_user(world.partner_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for outcome in ("held", "cancelled_client", "cancelled_partner", "cancelled_center", "no_show"):
        assert f'value="{outcome}"' in body
    assert '<label for="f-minutes">' in body


def test_held_with_minutes_is_logged_and_redirects_with_a_notice(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    page = _log(client, world, meeting, {"outcome": "held", "minutes": "45"})
    assert page.status_code == 303
    assert page.headers["Location"].endswith("/tpm/partner?notice=meeting_logged")
    stored = _stored(meeting)
    assert (stored.status, stored.minutes, stored.logged_by) == ("held", 45, world.partner_user)
    home = client.get(page.headers["Location"], headers=factories.as_user(world.partner_user))
    assert "The meeting is logged." in home.get_data(as_text=True)


def test_cancelled_records_who_cancelled_and_no_minutes(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    page = _log(client, world, meeting, {"outcome": "cancelled_client", "minutes": "60"})
    assert page.status_code == 303
    stored = _stored(meeting)
    assert (stored.status, stored.cancelled_by, stored.minutes) == ("cancelled", "client", None)


def test_no_show_is_logged(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    assert _log(client, world, meeting, {"outcome": "no_show"}).status_code == 303
    assert _stored(meeting).status == "no_show"


def test_held_without_minutes_shows_the_message_beside_the_field(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    page = _log(client, world, meeting, {"outcome": "held", "minutes": ""})
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="f-minutes-error"' in body and "length in minutes" in body
    assert 'href="#f-minutes"' in body
    assert _stored(meeting).status == "scheduled"


def test_minutes_out_of_range_keep_what_was_typed(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    page = _log(client, world, meeting, {"outcome": "held", "minutes": "5000"})
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'value="5000"' in body and 'id="f-minutes-error"' in body
    assert _stored(meeting).status == "scheduled"


def test_an_unknown_outcome_is_refused_naming_the_choice(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    page = _log(client, world, meeting, {"outcome": "maybe"})
    assert page.status_code == 422
    assert "Choose how the meeting went." in page.get_data(as_text=True)
    assert _stored(meeting).status == "scheduled"


def test_a_meeting_still_to_come_cannot_be_logged_as_held(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world, at=utcnow() + dt.timedelta(hours=2))
    page = _log(client, world, meeting, {"outcome": "held", "minutes": "60"})
    assert page.status_code == 422
    assert 'class="tpm-error-summary"' in page.get_data(as_text=True)
    assert _stored(meeting).status == "scheduled"


def test_a_meeting_logged_already_answers_409_and_says_so(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    _log(client, world, meeting, {"outcome": "no_show"})
    page = _log(client, world, meeting, {"outcome": "held", "minutes": "30"})
    assert page.status_code == 409
    assert "already logged" in page.get_data(as_text=True)
    assert _stored(meeting).status == "no_show"


def test_another_partners_meeting_is_a_404_page_and_audited(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    stranger = factories.partner(world.program)
    headers = factories.as_user(stranger.host_user_id)
    page = client.get(_url(meeting), headers=headers)
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert audit_rows(stranger.host_user_id, outcome="denied")


def test_logging_is_audited_as_the_meetings_outcome(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    _log(client, world, meeting, {"outcome": "no_show"})
    [row] = audit_rows(world.partner_user, action="log_outcome")
    assert (row.object_type, row.object_id, row.outcome) == ("meeting", str(meeting.id), "allowed")


def test_a_post_without_the_csrf_token_is_refused_and_logs_nothing(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = scheduled_meeting(world)
    page = client.post(
        _url(meeting), headers=factories.as_user(world.partner_user), data={"outcome": "no_show"}
    )
    assert page.status_code == 400
    assert _stored(meeting).status == "scheduled"
