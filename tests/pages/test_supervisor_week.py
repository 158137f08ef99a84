"""A supervisor's week and misses as pages: blocks with their agendas and clients' names,
unplaced work with its reason, every supervised partnership with last week's meetings
against the target; the weeks below target. Only the supervisor and the managers of their
program see them."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import update

from tests import factories
from tpm_plugin.models import Partnership, Supervisor
from tpm_plugin.services import scheduling
from tpm_plugin.services.supervision_placement.requests import local_monday
from tpm_plugin.services.supervision_placement.weekly import place_program_week

from .supervisor_helpers import audit_actions

ZONE = "America/Chicago"


def _week_url(monday: dt.date, supervisor_id: int | None = None) -> str:
    url = f"/tpm/supervisor/week?date={monday.isoformat()}"
    return url + (f"&supervisor_id={supervisor_id}" if supervisor_id else "")


def _placed_week() -> tuple[factories.World, Partnership, dt.date]:
    """A supervisor with one block on Monday (20 minutes free) and a second partner's work
    that found no place."""
    made = factories.world(timezone=ZONE)
    factories.activate(made)
    other = factories.partnership(made.program, supervisor=made.supervisor)
    monday = local_monday(ZONE, dt.datetime.now(dt.UTC)) + dt.timedelta(days=7)
    window = {"weekday": 0, "starts_at": dt.time(9), "ends_at": dt.time(9, 20)}
    scheduling.set_availability(factories.actor(made.supervisor_user), made.supervisor.id, [window])
    factories.session().execute(
        update(Partnership).where(Partnership.id == other.id).values(stage="active")
    )
    factories.session().commit()
    place_program_week(made.program.id, monday)
    return made, other, monday


def test_the_supervisor_sees_blocks_agendas_unplaced_work_and_last_weeks_meetings(
    app: Flask, client
) -> None:
    made, other, monday = _placed_week()
    page = client.get(_week_url(monday), headers=factories.as_user(made.supervisor_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert made.partner.display_name in body  # the block's partner
    assert made.client.display_name in body  # on the agenda and in the list
    assert "The supervisor&#39;s week is full by 20 minutes." in body  # why unplaced
    assert "Meetings held last week against the target" in body
    assert f"/tpm/partnerships/{other.id}/stage" in body
    assert f"/tpm/supervisor/partners/{made.partner.id}/supervision?session_id=" in body


def test_the_week_reads_are_audited_like_the_apis(app: Flask, client) -> None:
    made, _, monday = _placed_week()
    client.get(_week_url(monday), headers=factories.as_user(made.supervisor_user))
    assert ("read_week", "allowed") in audit_actions(made.supervisor_user, "partnership")
    assert ("read_names", "allowed") in audit_actions(made.supervisor_user, "client")


def test_a_program_manager_sees_a_supervisors_week(app: Flask, client) -> None:
    made, _, monday = _placed_week()
    page = client.get(
        _week_url(monday, made.supervisor.id), headers=factories.as_user(made.manager_user)
    )
    assert page.status_code == 200
    assert made.client.display_name in page.get_data(as_text=True)


def test_another_supervisor_or_a_partner_gets_a_404_page(app: Flask, client) -> None:
    made, _, monday = _placed_week()
    stranger = factories.supervisor(factories.program())
    for user in (stranger.host_user_id, made.partner_user):
        page = client.get(_week_url(monday, made.supervisor.id), headers=factories.as_user(user))
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert made.client.display_name not in page.get_data(as_text=True)


def test_a_supervisor_in_two_programs_sees_the_week_of_each(app: Flask, client) -> None:
    made, _, monday = _placed_week()
    # The same host user supervises in a second program, with a week placed there too.
    other, _, _ = _placed_week()
    factories.session().execute(
        update(Supervisor)
        .where(Supervisor.id == other.supervisor.id)
        .values(host_user_id=made.supervisor_user)
    )
    factories.session().commit()
    headers = factories.as_user(made.supervisor_user)
    for shown, hidden in ((made, other), (other, made)):
        page = client.get(_week_url(monday, shown.supervisor.id), headers=headers)
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert shown.client.display_name in body
        assert hidden.client.display_name not in body
    foreign, _, _ = _placed_week()
    page = client.get(_week_url(monday, foreign.supervisor.id), headers=headers)
    assert page.status_code == 404
    assert foreign.client.display_name not in page.get_data(as_text=True)
    denied = [row for row in audit_actions(made.supervisor_user, "supervisor") if "denied" in row]
    assert denied == [("read_week", "denied")]


def test_someone_who_supervises_nobody_is_asked_to_choose_a_supervisor(app: Flask, client) -> None:
    made = factories.world()
    page = client.get("/tpm/supervisor/week", headers=factories.as_user(made.manager_user))
    assert page.status_code == 404
    assert "Choose a supervisor" in page.get_data(as_text=True)


def test_a_bad_date_is_a_422_page_naming_it(app: Flask, client) -> None:
    made = factories.world()
    page = client.get(
        "/tpm/supervisor/week?date=someday", headers=factories.as_user(made.supervisor_user)
    )
    assert page.status_code == 422 and page.mimetype == "text/html"


def test_the_home_page_links_a_supervisor_to_their_week_and_misses(app: Flask, client) -> None:
    made = factories.world()
    body = client.get("/tpm/", headers=factories.as_user(made.supervisor_user)).get_data(
        as_text=True
    )
    assert "/tpm/supervisor/week" in body and "/tpm/supervisor/misses" in body
    partner_home = client.get("/tpm/", headers=factories.as_user(made.partner_user))
    assert "/tpm/supervisor/week" not in partner_home.get_data(as_text=True)


def test_an_id_in_the_query_that_is_no_id_is_a_404_page(app: Flask, client) -> None:
    made = factories.world()
    for asked in ("abc", "0", str(2**31)):
        page = client.get(
            f"/tpm/supervisor/week?supervisor_id={asked}",
            headers=factories.as_user(made.manager_user),
        )
        assert page.status_code == 404 and page.mimetype == "text/html"
