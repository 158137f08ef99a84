"""A program manager's board: the program's partnerships by stage with counts and filters,
moving one on with its reason, and only for the program's managers."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask import Flask
from sqlalchemy import update

from tests import factories
from tests.conftest import BACKENDS
from tests.factories import as_user
from tests.test_list_queries import counting
from tpm_plugin.models import Partnership, TransitionAudit
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import session

from .manager_helpers import SPANISH, audit_rows, csrf_token, people_world, untranslated


def _board(client, made: factories.World, query: str = "", **headers: str):
    url = f"/tpm/manager/programs/{made.program.id}/board{query}"
    return client.get(url, headers={**as_user(made.manager_user), **headers})


def _count_of(html: str, stage_label: str) -> int:
    match = re.search(rf">{re.escape(stage_label)}</a></th><td>(\d+)</td>", html)
    assert match, f"no count for {stage_label}"
    return int(match.group(1))


def test_manager_sees_the_programs_partnerships_by_stage_with_names_and_counts(
    app: Flask, client
) -> None:
    made = people_world()
    factories.partnership(made.program)
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    page = _board(client, made)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lucía Pérez" in html and "Marta Gil" in html and "Rosa Vidal" in html
    assert _count_of(html, "Referred") == 1 and _count_of(html, "Identification") == 1
    assert "2 partnerships in all" in html


def test_the_board_read_is_audited_naming_every_partnership_listed(app: Flask, client) -> None:
    made = people_world()
    other = factories.partnership(made.program)
    _board(client, made)
    [row] = [r for r in audit_rows(made.manager_user) if r.action == "list"]
    assert row.object_type == "partnership"
    assert sorted(row.object_ids) == sorted([made.partnership.id, other.id])


def test_home_links_a_manager_to_the_board_and_the_dashboard(app: Flask, client) -> None:
    made = people_world()
    html = client.get("/tpm/", headers=as_user(made.manager_user)).get_data(as_text=True)
    assert "/tpm/manager/board" in html and "/tpm/manager/fidelity" in html
    page = client.get("/tpm/manager/board", headers=as_user(made.manager_user))
    assert page.status_code == 302
    assert page.headers["Location"].endswith(f"/tpm/manager/programs/{made.program.id}/board")


def test_filters_by_supervisor_and_partner_show_only_their_partnerships(app: Flask, client) -> None:
    made = people_world()
    other = factories.partnership(made.program)
    by_supervisor = _board(client, made, f"?supervisor_id={made.supervisor.id}")
    by_partner = _board(client, made, f"?partner_id={other.partner_id}")
    assert f'/manager/partnerships/{made.partnership.id}"' in by_supervisor.get_data(as_text=True)
    assert f'/manager/partnerships/{other.id}"' not in by_supervisor.get_data(as_text=True)
    assert f'/manager/partnerships/{other.id}"' in by_partner.get_data(as_text=True)
    assert f'/manager/partnerships/{made.partnership.id}"' not in by_partner.get_data(as_text=True)


def test_on_hold_filter_shows_only_partnerships_on_hold(app: Flask, client) -> None:
    made = people_world()
    held = factories.partnership(made.program)
    manager = factories.actor(made.manager_user)
    transitions.fire(manager, held.id, "begin_identification")
    transitions.fire(manager, held.id, "put_on_hold", "The family is away for a month.")
    html = _board(client, made, "?on_hold=true").get_data(as_text=True)
    assert f'/manager/partnerships/{held.id}"' in html
    assert f'/manager/partnerships/{made.partnership.id}"' not in html


def test_below_target_filter_lists_what_the_api_calls_overdue(app: Flask, client) -> None:
    made = people_world()
    late = factories.partnership(made.program)
    # In a stage far longer than its review cadence: overdue, as the API's filter reads it.
    session().execute(
        update(Partnership)
        .where(Partnership.id == late.id)
        .values(stage="active", stage_entered_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    )
    session().commit()
    api = client.get(
        f"/tpm/api/partnerships?program_id={made.program.id}&overdue=true",
        headers=as_user(made.manager_user),
    ).json
    html = _board(client, made, "?below_target=true").get_data(as_text=True)
    assert [item["id"] for item in api["items"]] == [late.id]
    assert f'/manager/partnerships/{late.id}"' in html
    assert f'/manager/partnerships/{made.partnership.id}"' not in html


def test_a_bad_filter_is_named_beside_its_field_and_the_whole_board_shown(
    app: Flask, client
) -> None:
    made = people_world()
    page = _board(client, made, "?supervisor_id=abc")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="supervisor_id-error"' in html and "Not a valid integer." in html
    assert "Lucía Pérez" in html


@pytest.mark.parametrize("who", ["supervisor_user", "partner_user"])
def test_only_the_programs_managers_see_its_board(app: Flask, client, who: str) -> None:
    made = people_world()
    user = getattr(made, who)
    page = client.get(f"/tpm/manager/programs/{made.program.id}/board", headers=as_user(user))
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Lucía Pérez" not in page.get_data(as_text=True)
    assert audit_rows(user)[-1].outcome == "denied"


def test_another_programs_manager_gets_a_404_page(app: Flask, client) -> None:
    made, other = people_world(), people_world()
    page = client.get(
        f"/tpm/manager/programs/{made.program.id}/board", headers=as_user(other.manager_user)
    )
    assert page.status_code == 404
    assert "Lucía Pérez" not in page.get_data(as_text=True)


def test_a_card_offers_the_moves_a_manager_may_take(app: Flask, client) -> None:
    made = people_world()
    html = _board(client, made).get_data(as_text=True)
    assert f"/tpm/manager/partnerships/{made.partnership.id}/move" in html
    assert 'name="trigger" value="begin_identification"' in html


def _card_of(html: str, partnership_id: int) -> str:
    match = re.search(
        rf'<li class="tpm-card"[^>]*#move-slot-{partnership_id}".*?</li>', html, re.DOTALL
    )
    assert match, f"no card for partnership {partnership_id}"
    return match.group(0)


def test_names_on_a_card_are_shown_as_written_never_as_markup(app: Flask, client) -> None:
    made = people_world()
    program = made.program
    named = factories.partnership(
        program,
        client=factories.client(program, display_name='<b>Ana "A" & Co</b>'),
        partner=factories.partner(program, display_name="<script>x()</script>"),
        supervisor=factories.supervisor(program, display_name="Tom & 'Jerry'"),
    )
    card = _card_of(_board(client, made).get_data(as_text=True), named.id)
    assert "&lt;b&gt;Ana &#34;A&#34; &amp; Co&lt;/b&gt;" in card
    assert "&lt;script&gt;x()&lt;/script&gt;" in card
    assert "Tom &amp; &#39;Jerry&#39;" in card
    assert "<script>" not in card and "<b>" not in card


def test_a_card_moves_through_one_form_with_a_button_per_move_that_works_without_script(
    app: Flask, client
) -> None:
    made = people_world()
    card = _card_of(_board(client, made).get_data(as_text=True), made.partnership.id)
    [action] = re.findall(r'<form method="get" action="([^"]+)" class="tpm-move"', card)
    triggers = re.findall(r'<button name="trigger" value="([^"]+)"', card)
    assert action == f"/tpm/manager/partnerships/{made.partnership.id}/move"
    assert triggers == ["begin_identification", "withdraw"]
    # Dragging the card drops it on the stages its moves lead to, with those triggers.
    assert 'data-moves="identification=begin_identification withdrawn=withdraw "' in card
    for trigger in triggers:
        # What a browser without JavaScript asks for when the button is pressed.
        prompt = client.get(f"{action}?trigger={trigger}", headers=as_user(made.manager_user))
        assert prompt.status_code == 200 and 'name="reason"' in prompt.get_data(as_text=True)


def _move_page(client, made: factories.World, trigger: str):
    return client.get(
        f"/tpm/manager/partnerships/{made.partnership.id}/move?trigger={trigger}",
        headers=as_user(made.manager_user),
    )


def _post_move(client, made: factories.World, form: dict[str, str]):
    return client.post(
        f"/tpm/manager/partnerships/{made.partnership.id}/move",
        data=form,
        headers=as_user(made.manager_user),
    )


def test_moving_asks_for_the_reason_then_moves_and_returns_to_the_board(app: Flask, client) -> None:
    made = people_world()
    prompt = _move_page(client, made, "begin_identification")
    token = csrf_token(prompt.get_data(as_text=True))
    assert f'<textarea id="reason-{made.partnership.id}"' in prompt.get_data(as_text=True)
    moved = _post_move(
        client,
        made,
        {"csrf_token": token, "trigger": "begin_identification", "stage": "referred"},
    )
    assert moved.status_code == 302
    assert f"moved={made.partnership.id}" in moved.headers["Location"]
    assert session().get(Partnership, made.partnership.id).stage == "identification"
    board = client.get(moved.headers["Location"], headers=as_user(made.manager_user))
    assert f"Partnership {made.partnership.id} moved." in board.get_data(as_text=True)


def test_a_required_reason_left_out_is_asked_for_beside_the_field_and_nothing_moves(
    app: Flask, client
) -> None:
    made = people_world()
    token = csrf_token(_move_page(client, made, "withdraw").get_data(as_text=True))
    before = factories.row_count(TransitionAudit)
    page = _post_move(
        client, made, {"csrf_token": token, "trigger": "withdraw", "stage": "referred"}
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="reason-error"' in html
    assert factories.row_count(TransitionAudit) == before
    session().expire_all()
    assert session().get(Partnership, made.partnership.id).stage == "referred"


def test_a_move_its_guards_block_shows_why_and_offers_no_form(app: Flask, client) -> None:
    made = people_world()
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    page = _move_page(client, made, "begin_planning")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "not possible yet" in html and 'name="csrf_token"' not in html


def test_a_move_from_a_stale_stage_is_refused_with_a_conflict(app: Flask, client) -> None:
    made = people_world()
    token = csrf_token(_move_page(client, made, "begin_identification").get_data(as_text=True))
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    page = _post_move(
        client, made, {"csrf_token": token, "trigger": "begin_identification", "stage": "referred"}
    )
    assert page.status_code == 409


def test_a_move_without_the_form_token_is_refused_and_nothing_moves(app: Flask, client) -> None:
    made = people_world()
    page = _post_move(client, made, {"trigger": "begin_identification", "stage": "referred"})
    assert page.status_code == 400
    assert session().get(Partnership, made.partnership.id).stage == "referred"


def test_a_move_on_another_programs_partnership_is_a_404_page(app: Flask, client) -> None:
    made, other = people_world(), people_world()
    page = client.get(
        f"/tpm/manager/partnerships/{made.partnership.id}/move?trigger=begin_identification",
        headers=as_user(other.manager_user),
    )
    assert page.status_code == 404


def test_a_trigger_the_stage_does_not_have_is_a_conflict_page(app: Flask, client) -> None:
    made = people_world()
    assert _move_page(client, made, "activate").status_code == 409


def _program_of(size: int) -> factories.World:
    made = people_world()
    for _ in range(size - 1):
        factories.partnership(made.program, partner=made.partner, supervisor=made.supervisor)
    return made


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_board_runs_as_many_statements_for_50_partnerships_as_for_5(app: Flask, client) -> None:
    small, large = _program_of(5), _program_of(50)
    counts = []
    for made in (small, large):
        _board(client, made)  # the workflow's machine is built once per process
        with counting(app) as statements:
            page = _board(client, made)
        assert page.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # The viewer's roles and language, the program with its workflow's newest version, its
    # people, the counts, the page and the audit row.
    assert counts[0] == 7


def test_the_board_and_the_move_prompt_speak_spanish(app: Flask, client) -> None:
    made = people_world()
    board = _board(client, made, "?supervisor_id=abc", **SPANISH).get_data(as_text=True)
    prompt = client.get(
        f"/tpm/manager/partnerships/{made.partnership.id}/move?trigger=withdraw",
        headers={**as_user(made.manager_user), **SPANISH},
    ).get_data(as_text=True)
    assert "Tablero" in board
    assert untranslated(board) == [] and untranslated(prompt) == []
    assert untranslated("<h2>Partnerships in each stage</h2>") == ["Partnerships in each stage"]
