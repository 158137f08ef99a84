"""Moving a partnership through the stages: the steps the viewer may take, the blocked ones
with their reasons, reasons asked where required, and no move of a partnership that moved
meanwhile. For the partnership's supervisor and the program's managers."""

from __future__ import annotations

from flask import Flask

from tests import factories
from tpm_plugin.models import Partnership, TransitionAudit
from tpm_plugin.services import transitions

from .supervisor_helpers import audit_actions, post_form, token


def _url(made: factories.World) -> str:
    return f"/tpm/partnerships/{made.partnership.id}/stage"


def _stage(made: factories.World) -> str:
    factories.session().expire_all()
    return factories.session().get(Partnership, made.partnership.id).stage


def test_the_page_offers_the_steps_and_lists_the_blocked_ones_with_reasons(
    app: Flask, client
) -> None:
    made = factories.world()
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    page = client.get(_url(made), headers=factories.as_user(made.supervisor_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert made.client.display_name in body
    assert 'name="trigger" value="put_on_hold"' in body
    assert 'name="expected_stage" value="identification"' in body
    assert "Not possible yet, and why" in body
    assert "Identification needs the client&#39;s own voice" in body
    assert 'name="trigger" value="begin_planning"' not in body
    assert ("read_transitions", "allowed") in audit_actions(made.supervisor_user, "partnership")


def test_the_supervisor_takes_a_step_and_sees_the_new_stage(app: Flask, client) -> None:
    made = factories.world()
    moved = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {"trigger": "begin_identification", "expected_stage": made.partnership.stage},
    )
    assert moved.status_code == 303 and moved.headers["Location"].endswith("?moved=1")
    assert _stage(made) == "identification"
    after = client.get(moved.headers["Location"], headers=factories.as_user(made.supervisor_user))
    assert "the partnership is now in Identification" in after.get_data(as_text=True)
    assert factories.row_count(TransitionAudit) == 1


def test_a_program_manager_uses_the_same_page(app: Flask, client) -> None:
    made = factories.world()
    moved = post_form(
        client,
        _url(made),
        made.manager_user,
        {"trigger": "begin_identification", "expected_stage": made.partnership.stage},
    )
    assert moved.status_code == 303 and _stage(made) == "identification"


def test_a_step_that_needs_a_reason_is_refused_without_one_beside_its_field(
    app: Flask, client
) -> None:
    made = factories.world()
    stage = made.partnership.stage
    answer = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {"trigger": "withdraw", "expected_stage": stage, "reason": "  "},
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="reason-withdraw-error"' in body and "this step needs a reason" in body
    assert _stage(made) == stage


def test_a_partnership_that_moved_meanwhile_is_not_moved_again(app: Flask, client) -> None:
    made = factories.world()
    shown = made.partnership.stage
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    answer = post_form(
        client,
        _url(made),
        made.supervisor_user,
        {"trigger": "put_on_hold", "expected_stage": shown, "reason": "Family away."},
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "Someone moved this partnership meanwhile: it is now in Identification." in body
    assert _stage(made) == "identification"


def test_a_partner_sees_why_they_may_not_take_the_supervisors_steps(app: Flask, client) -> None:
    made = factories.world()
    page = client.get(_url(made), headers=factories.as_user(made.partner_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Only the program manager / supervisor of this partnership may do this." in body
    # The partner's page has no form to take a token from: the session's token is the
    # same for every form, so take it from the supervisor's page in this browser.
    form = {
        "csrf_token": token(client, _url(made), made.supervisor_user),
        "trigger": "begin_identification",
        "expected_stage": made.partnership.stage,
    }
    refused = client.post(_url(made), data=form, headers=factories.as_user(made.partner_user))
    assert refused.status_code == 403
    assert _stage(made) == made.partnership.stage


def test_another_programs_people_get_a_404_page(app: Flask, client) -> None:
    made = factories.world()
    stranger = factories.supervisor(factories.program())
    page = client.get(_url(made), headers=factories.as_user(stranger.host_user_id))
    assert page.status_code == 404
    assert made.client.display_name not in page.get_data(as_text=True)


def test_a_step_that_is_not_possible_now_is_a_409_message_and_nothing_moves(
    app: Flask, client
) -> None:
    made = factories.world()
    stage = made.partnership.stage
    answer = post_form(
        client, _url(made), made.supervisor_user, {"trigger": "activate", "expected_stage": stage}
    )
    assert answer.status_code == 409
    assert "This step is not possible now; nothing was changed." in answer.get_data(as_text=True)
    assert _stage(made) == stage
