"""Logging a supervision session for several partnerships at once: one form, a row of
minutes per partnership; a refused row shows its message beside it and nothing is written."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import select

from tests import factories
from tpm_plugin.models import SupervisionSession, supervision_discussed
from tpm_plugin.services import people, supervision

from .supervisor_helpers import audit_actions, post_form, token


def _two_partnerships() -> tuple[factories.World, int]:
    """One partner with two clients under the same supervisor."""
    made = factories.world(timezone="America/Chicago")
    second = factories.partnership(made.program, partner=made.partner, supervisor=made.supervisor)
    return made, second.id


def _url(made: factories.World, query: str = "") -> str:
    return f"/tpm/supervisor/partners/{made.partner.id}/supervision{query}"


def test_the_form_has_a_labelled_row_per_partnership_of_the_partner(app: Flask, client) -> None:
    made, second = _two_partnerships()
    page = client.get(_url(made), headers=factories.as_user(made.supervisor_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for pid in (made.partnership.id, second):
        assert f'<label for="minutes-{pid}">' in body and f'id="minutes-{pid}"' in body
    assert made.client.display_name in body and made.partner.display_name in body


def test_a_session_is_logged_for_several_partnerships_with_their_minutes(
    app: Flask, client
) -> None:
    made, second = _two_partnerships()
    answer = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {
            "held_at": "2026-03-05T16:30",
            f"minutes-{made.partnership.id}": "25",
            f"minutes-{second}": "15",
            "notes": "Talked about routines.",
        },
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("/tpm/supervisor/week?logged=1")
    [row] = factories.session().scalars(select(SupervisionSession)).all()
    assert (row.status, row.held_minutes, row.partner_id) == ("held", 40, made.partner.id)
    assert row.scheduled_at == dt.datetime(2026, 3, 5, 22, 30, tzinfo=dt.UTC)
    split = factories.session().execute(
        select(supervision_discussed.c.partnership_id, supervision_discussed.c.minutes).order_by(
            supervision_discussed.c.partnership_id
        )
    )
    assert [tuple(r) for r in split] == [(made.partnership.id, 25), (second, 15)]
    assert ("create", "allowed") in audit_actions(made.supervisor_user, "supervision_session")


def test_a_bad_row_is_shown_beside_it_and_nothing_is_written(app: Flask, client) -> None:
    made, second = _two_partnerships()
    answer = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {
            "held_at": "2026-03-05T16:30",
            f"minutes-{made.partnership.id}": "25",
            f"minutes-{second}": "ninety",
        },
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f'<p class="tpm-error" id="minutes-{second}-error">' in body
    assert "Enter whole minutes from 0 to 480." in body
    assert f'href="#minutes-{second}"' in body  # the summary links to the row
    assert 'value="25"' in body and 'value="ninety"' in body  # what was typed is kept
    assert factories.row_count(SupervisionSession) == 0


def test_too_many_minutes_in_a_row_are_refused(app: Flask, client) -> None:
    made, _ = _two_partnerships()
    answer = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {"held_at": "2026-03-05T16:30", f"minutes-{made.partnership.id}": "481"},
    )
    assert answer.status_code == 422
    assert f'id="minutes-{made.partnership.id}-error"' in answer.get_data(as_text=True)
    assert factories.row_count(SupervisionSession) == 0


def test_a_session_with_no_minutes_at_all_is_refused(app: Flask, client) -> None:
    made, _ = _two_partnerships()
    answer = post_form(client, _url(made), made.supervisor_user, {"held_at": "2026-03-05T16:30"})
    assert answer.status_code == 422
    assert "Enter the minutes spent on at least one partnership." in answer.get_data(as_text=True)
    assert factories.row_count(SupervisionSession) == 0


def test_a_bad_time_is_refused_beside_its_field(app: Flask, client) -> None:
    made, _ = _two_partnerships()
    answer = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {"held_at": "yesterday", f"minutes-{made.partnership.id}": "20"},
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="held_at-error"' in body and 'aria-invalid="true"' in body
    assert factories.row_count(SupervisionSession) == 0


def test_too_long_notes_are_refused_by_the_schema_beside_the_notes(app: Flask, client) -> None:
    made, _ = _two_partnerships()
    answer = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {
            "held_at": "2026-03-05T16:30",
            f"minutes-{made.partnership.id}": "20",
            "notes": "x" * 10_001,
        },
    )
    assert answer.status_code == 422
    assert 'id="notes-error"' in answer.get_data(as_text=True)
    assert factories.row_count(SupervisionSession) == 0


def test_a_scheduled_block_is_logged_as_held(app: Flask, client) -> None:
    made, second = _two_partnerships()
    block = supervision.add_session(
        factories.actor(made.supervisor_user),
        {"partner_id": made.partner.id, "scheduled_at": dt.datetime(2026, 3, 5, 22, tzinfo=dt.UTC)},
    )
    answer = post_form(
        client,
        _url(made, f"?session_id={block.id}"),
        made.supervisor_user,
        {f"minutes-{second}": "30"},
    )
    assert answer.status_code == 303
    [row] = factories.session().scalars(select(SupervisionSession)).all()
    assert (row.id, row.status, row.held_minutes) == (block.id, "held", 30)


def test_another_supervisors_partner_is_a_404_page(app: Flask, client) -> None:
    made, _ = _two_partnerships()
    stranger = factories.supervisor(made.program)
    page = client.get(_url(made), headers=factories.as_user(stranger.host_user_id))
    assert page.status_code == 404
    assert made.client.display_name not in page.get_data(as_text=True)


def test_a_post_without_the_csrf_token_writes_nothing(app: Flask, client) -> None:
    made, _ = _two_partnerships()
    answer = client.post(
        _url(made),
        data={"held_at": "2026-03-05T16:30", f"minutes-{made.partnership.id}": "20"},
        headers=factories.as_user(made.supervisor_user),
    )
    assert answer.status_code == 400
    assert factories.row_count(SupervisionSession) == 0


def test_a_refusal_no_field_explains_is_shown_at_the_top(app: Flask, client) -> None:
    made, _ = _two_partnerships()
    url = _url(made, f"?supervisor_id={made.supervisor.id}")
    form_token = token(client, url, made.manager_user)
    people.update_person(
        factories.actor(made.manager_user),
        people.SUPERVISORS,
        made.supervisor.id,
        {"active": False},
    )
    answer = client.post(
        url,
        data={
            "csrf_token": form_token,
            "held_at": "2026-03-05T16:30",
            f"minutes-{made.partnership.id}": "20",
        },
        headers=factories.as_user(made.manager_user),
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f"Supervisor {made.supervisor.id} is inactive." in body
    assert factories.row_count(SupervisionSession) == 0
