"""The partner's main page ("My partnerships") and their calendar link page."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import event

from tests import factories
from tests.pages.partner_pages import audit_rows, post_form, scheduled_meeting
from tpm_plugin.models import CalendarFeed, utcnow

HOME = "/tpm/partner"
CALENDAR = "/tpm/partner/calendar"


def test_home_page_links_a_partner_to_their_partnerships(app: Flask, client) -> None:
    world = factories.world()
    body = client.get("/tpm/", headers=factories.as_user(world.partner_user)).get_data(True)
    assert 'href="/tpm/partner"' in body and "My partnerships" in body


def test_partner_sees_their_partnerships_with_the_clients_first_name_and_stage(
    app: Flask, client
) -> None:
    world = factories.world()
    client_row = factories.client(world.program, display_name="Rosa Delgado")
    factories.partnership(world.program, client=client_row, partner=world.partner)
    page = client.get(HOME, headers=factories.as_user(world.partner_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rosa" in body and "Delgado" not in body
    assert "Referred" in body
    assert f"/tpm/partner/partnerships/{world.partnership.id}" in body


def test_partner_does_not_see_another_partners_partnership(app: Flask, client) -> None:
    world = factories.world()
    other = factories.partnership(
        world.program, client=factories.client(world.program, display_name="Otto Other")
    )
    body = client.get(HOME, headers=factories.as_user(world.partner_user)).get_data(True)
    assert "Otto" not in body
    assert f"/partnerships/{other.id}" not in body


def test_todays_and_this_weeks_meetings_are_listed_with_a_link_to_log_them(
    app: Flask, client
) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    today = scheduled_meeting(world)
    body = client.get(HOME, headers=factories.as_user(world.partner_user)).get_data(True)
    today_section = body.split('id="tpm-today"')[1].split('id="tpm-week"')[0]
    assert f"/tpm/partner/meetings/{today.id}" in today_section
    assert "Log this meeting" in today_section


def test_a_meeting_of_another_week_is_not_listed(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    old = scheduled_meeting(world, at=utcnow() - dt.timedelta(days=8))
    body = client.get(HOME, headers=factories.as_user(world.partner_user)).get_data(True)
    assert f"/tpm/partner/meetings/{old.id}" not in body


def test_reading_my_partnerships_is_audited_as_one_list_naming_them(app: Flask, client) -> None:
    world = factories.world()
    client.get(HOME, headers=factories.as_user(world.partner_user))
    [row] = audit_rows(world.partner_user, action="read_partner_day")
    assert row.outcome == "allowed" and row.object_ids == [world.partnership.id]


def test_someone_who_is_no_partner_gets_a_403_page(app: Flask, client) -> None:
    world = factories.world()
    page = client.get(HOME, headers=factories.as_user(world.supervisor_user))
    assert page.status_code == 403 and page.mimetype == "text/html"
    assert audit_rows(world.supervisor_user, outcome="denied")


def test_the_calendar_page_makes_a_link_that_carries_only_the_token(app: Flask, client) -> None:
    world = factories.world()
    headers = factories.as_user(world.partner_user)
    page = post_form(client, f"{CALENDAR}/link", headers, {}, form_at=CALENDAR)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "http://localhost/tpm/api/calendar/" in body
    feed_path = body.split("http://localhost")[1].split('"')[0]
    assert feed_path.startswith("/tpm/api/calendar/") and feed_path.endswith(".ics")
    assert "?" not in feed_path
    assert client.get(feed_path).status_code == 200
    assert factories.row_count(CalendarFeed) == 1
    assert page.headers["Cache-Control"] == "no-store"


def test_making_a_new_calendar_link_stops_the_old_one(app: Flask, client) -> None:
    world = factories.world()
    headers = factories.as_user(world.partner_user)
    first = post_form(client, f"{CALENDAR}/link", headers, {}, form_at=CALENDAR)
    old_path = first.get_data(as_text=True).split("http://localhost")[1].split('"')[0]
    post_form(client, f"{CALENDAR}/link", headers, {}, form_at=CALENDAR)
    assert client.get(old_path).status_code == 404


def test_turning_the_calendar_link_off_redirects_with_a_notice(app: Flask, client) -> None:
    world = factories.world()
    headers = factories.as_user(world.partner_user)
    made = post_form(client, f"{CALENDAR}/link", headers, {}, form_at=CALENDAR)
    path = made.get_data(as_text=True).split("http://localhost")[1].split('"')[0]
    page = post_form(client, f"{CALENDAR}/off", headers, {}, form_at=CALENDAR)
    assert page.status_code == 303
    assert (
        client.get(page.headers["Location"], headers=headers)
        .get_data(True)
        .count("Your calendar link is turned off.")
    )
    assert client.get(path).status_code == 404


def test_turning_off_a_link_that_does_not_exist_says_so(app: Flask, client) -> None:
    world = factories.world()
    headers = factories.as_user(world.partner_user)
    page = post_form(client, f"{CALENDAR}/off", headers, {}, form_at=CALENDAR)
    assert page.status_code == 404
    assert "no calendar link to turn off" in page.get_data(as_text=True)


def test_the_calendar_forms_refuse_a_post_without_the_csrf_token(app: Flask, client) -> None:
    world = factories.world()
    page = client.post(f"{CALENDAR}/link", headers=factories.as_user(world.partner_user))
    assert page.status_code == 400
    assert factories.row_count(CalendarFeed) == 0


def test_someone_who_is_no_partner_has_no_calendar_page(app: Flask, client) -> None:
    world = factories.world()
    page = client.get(CALENDAR, headers=factories.as_user(world.manager_user))
    assert page.status_code == 404


def _statements_of_home(app: Flask, client, partnerships: int) -> int:
    world = factories.world(started_at=factories.LONG_AGO)
    for _ in range(partnerships - 1):
        factories.partnership(world.program, partner=world.partner, started_at=factories.LONG_AGO)
    scheduled_meeting(world)
    headers = factories.as_user(world.partner_user)
    client.get(HOME, headers=headers)  # the workflow's machine is compiled once per process
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    engine = app.extensions["sqlalchemy"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(HOME, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_my_partnerships_runs_as_many_statements_for_one_partnership_as_for_twelve(
    app: Flask, client
) -> None:
    assert _statements_of_home(app, client, 1) == _statements_of_home(app, client, 12)
