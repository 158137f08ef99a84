"""Forms that change one part of a page answer htmx (``HX-Request``) with that part only,
and everyone else with the whole page or a redirect, as without JavaScript; both answers
say ``Vary: HX-Request``. A partner logging a meeting, a supervisor logging a session and a
manager moving a partnership on the board (the intake review's decisions are in
test_manager_intake.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests import factories
from tpm_plugin.models import Meeting, Partnership, SupervisionSession
from tpm_plugin.services._unit import session

from . import partner_pages, supervisor_helpers
from .manager_helpers import csrf_token, people_world

HTMX = {"HX-Request": "true"}


def _varies(response) -> bool:
    return "HX-Request" in response.headers.get("Vary", "")


def _whole_page(response) -> bool:
    return '<main id="tpm-main"' in response.get_data(as_text=True)


# --- a partner logs a meeting ------------------------------------------------------------


def _meeting_post(client, world, meeting, data, **headers):
    user = factories.as_user(world.partner_user)
    form_at = f"/tpm/partner/partnerships/{world.partnership.id}"
    token = partner_pages.csrf_token(client, form_at, user)
    return client.post(
        f"/tpm/partner/meetings/{meeting.id}",
        data={**data, "csrf_token": token},
        headers={**user, **headers},
    )


def test_the_meeting_form_asks_htmx_to_swap_only_itself(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = partner_pages.scheduled_meeting(world)
    page = client.get(
        f"/tpm/partner/meetings/{meeting.id}", headers=factories.as_user(world.partner_user)
    )
    html = page.get_data(as_text=True)
    assert 'hx-target="#tpm-meeting-log"' in html and '<div id="tpm-meeting-log">' in html
    assert _varies(page)


def test_a_meeting_logged_with_htmx_answers_only_the_form_part_saying_it_is_logged(
    app: Flask, client
) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = partner_pages.scheduled_meeting(world)
    answer = _meeting_post(client, world, meeting, {"outcome": "no_show"}, **HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and _varies(answer)
    assert html.lstrip().startswith('<div id="tpm-meeting-log">') and not _whole_page(answer)
    assert "The meeting is logged." in html
    session().expire_all()
    assert session().scalar(select(Meeting.status).where(Meeting.id == meeting.id)) == "no_show"


def test_a_meeting_logged_without_htmx_still_redirects(app: Flask, client) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = partner_pages.scheduled_meeting(world)
    answer = _meeting_post(client, world, meeting, {"outcome": "no_show"})
    assert answer.status_code == 303 and _varies(answer)


def test_a_refused_meeting_with_htmx_answers_the_form_part_with_its_message(
    app: Flask, client
) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    meeting = partner_pages.scheduled_meeting(world)
    answer = _meeting_post(client, world, meeting, {"outcome": "held", "minutes": "-5"}, **HTMX)
    assert answer.status_code == 422 and not _whole_page(answer)
    assert "There is a problem" in answer.get_data(as_text=True)
    whole = _meeting_post(client, world, meeting, {"outcome": "held", "minutes": "-5"})
    assert whole.status_code == 422 and _whole_page(whole)


# --- a supervisor logs a session ---------------------------------------------------------


def _session_url(made) -> str:
    return f"/tpm/supervisor/partners/{made.partner.id}/supervision"


def _session_post(client, made, data, **headers):
    token = supervisor_helpers.token(client, _session_url(made), made.supervisor_user)
    return client.post(
        _session_url(made),
        data={"csrf_token": token, **data},
        headers={**factories.as_user(made.supervisor_user), **headers},
    )


def test_a_session_logged_with_htmx_answers_only_the_form_part(app: Flask, client) -> None:
    made = factories.world()
    data = {"held_at": "2026-03-05T16:30", f"minutes-{made.partnership.id}": "20"}
    answer = _session_post(client, made, data, **HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and _varies(answer)
    assert html.lstrip().startswith('<div id="tpm-session-log">') and not _whole_page(answer)
    assert "The supervision session is logged." in html
    assert len(session().scalars(select(SupervisionSession)).all()) == 1


def test_a_refused_session_with_htmx_answers_the_form_part_and_writes_nothing(
    app: Flask, client
) -> None:
    made = factories.world()
    answer = _session_post(client, made, {"held_at": "2026-03-05T16:30"}, **HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and not _whole_page(answer)
    assert 'hx-target="#tpm-session-log"' in html
    assert session().scalars(select(SupervisionSession)).all() == []
    whole = _session_post(client, made, {"held_at": "2026-03-05T16:30"})
    assert whole.status_code == 422 and _whole_page(whole) and _varies(whole)


# --- a manager moves a partnership on the board ------------------------------------------


def test_the_boards_move_button_loads_the_prompt_into_its_card(app: Flask, client) -> None:
    made = people_world()
    board = client.get(
        f"/tpm/manager/programs/{made.program.id}/board",
        headers=factories.as_user(made.manager_user),
    )
    assert f'hx-target="#move-slot-{made.partnership.id}"' in board.get_data(as_text=True)
    url = f"/tpm/manager/partnerships/{made.partnership.id}/move?trigger=begin_identification"
    prompt = client.get(url, headers={**factories.as_user(made.manager_user), **HTMX})
    html = prompt.get_data(as_text=True)
    assert prompt.status_code == 200 and _varies(prompt) and not _whole_page(prompt)
    assert html.lstrip().startswith(f'<div id="tpm-move-{made.partnership.id}"')


def test_a_move_posted_with_htmx_answers_that_it_moved(app: Flask, client) -> None:
    made = people_world()
    url = f"/tpm/manager/partnerships/{made.partnership.id}/move"
    headers = factories.as_user(made.manager_user)
    token = csrf_token(
        client.get(f"{url}?trigger=begin_identification", headers=headers).get_data(as_text=True)
    )
    form = {"csrf_token": token, "trigger": "begin_identification", "stage": "referred"}
    moved = client.post(url, data=form, headers={**headers, **HTMX})
    assert moved.status_code == 200 and _varies(moved) and not _whole_page(moved)
    assert f"Partnership {made.partnership.id} moved." in moved.get_data(as_text=True)
    session().expire_all()
    assert session().get(Partnership, made.partnership.id).stage == "identification"
    again = client.post(url, data=form, headers={**headers, **HTMX})
    assert again.status_code == 409 and not _whole_page(again)
