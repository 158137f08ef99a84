"""Writing a review with ratings per domain and a decision, then taking the step it decided
on the stage page."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests import factories
from tpm_plugin.models import Partnership, Review, ReviewRating
from tpm_plugin.services import transitions

from .supervisor_helpers import audit_actions, post_form


def _in_review() -> factories.World:
    made = factories.world(timezone="America/Chicago")
    factories.activate(made)
    transitions.fire(factories.actor(made.manager_user), made.partnership.id, "begin_review")
    return made


def _url(made: factories.World) -> str:
    return f"/tpm/partnerships/{made.partnership.id}/review"


GOOD = {
    "held_at": "2026-03-05T16:30",
    "participants": "partner\nsupervisor\nmother",
    "discussion": "School mornings are hard; play is going well.",
    "outcome": "replan",
    "rating-school": "2",
    "rating-play": "4",
    "rating-self": "",
}


def test_a_review_is_saved_with_its_ratings_and_the_decided_step_is_offered(
    app: Flask, client
) -> None:
    made = _in_review()
    answer = post_form(client, _url(made), made.supervisor_user, GOOD)
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith(
        f"/tpm/partnerships/{made.partnership.id}/stage?review=1"
    )
    [review] = factories.session().scalars(select(Review)).all()
    assert (review.outcome, review.participants) == ("replan", ["partner", "supervisor", "mother"])
    ratings = factories.session().execute(select(ReviewRating.domain, ReviewRating.rating))
    assert sorted(tuple(r) for r in ratings) == [("play", 4), ("school", 2)]
    assert ("create", "allowed") in audit_actions(made.supervisor_user, "review")
    stage = client.get(answer.headers["Location"], headers=factories.as_user(made.supervisor_user))
    body = stage.get_data(as_text=True)
    assert "The review is saved." in body
    assert 'name="trigger" value="replan"' in body


def test_the_decision_then_moves_the_partnership_back_to_planning(app: Flask, client) -> None:
    made = _in_review()
    post_form(client, _url(made), made.supervisor_user, GOOD)
    stage_url = f"/tpm/partnerships/{made.partnership.id}/stage"
    moved = post_form(
        client, stage_url, made.supervisor_user, {"trigger": "replan", "expected_stage": "review"}
    )
    assert moved.status_code == 303
    assert factories.session().get(Partnership, made.partnership.id).stage == "planning"


def test_a_review_without_discussion_or_decision_is_refused_field_by_field(
    app: Flask, client
) -> None:
    made = _in_review()
    bad = {**GOOD, "discussion": "", "outcome": ""}
    answer = post_form(client, _url(made), made.supervisor_user, bad)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert 'id="discussion-error"' in body and 'id="outcome-error"' in body
    assert "Choose what the review decided" in body
    assert "School mornings" not in body  # an emptied field stays empty, others are kept
    assert "partner\nsupervisor\nmother" in body
    assert factories.row_count(Review) == 0


def test_a_rating_outside_one_to_five_is_refused_beside_its_domain(app: Flask, client) -> None:
    made = _in_review()
    answer = post_form(client, _url(made), made.supervisor_user, {**GOOD, "rating-work": "9"})
    assert answer.status_code == 422
    assert 'id="rating-work-error"' in answer.get_data(as_text=True)
    assert factories.row_count(Review) == 0


def test_no_participant_is_refused(app: Flask, client) -> None:
    made = _in_review()
    answer = post_form(client, _url(made), made.supervisor_user, {**GOOD, "participants": " \n"})
    assert answer.status_code == 422
    assert 'id="participants-error"' in answer.get_data(as_text=True)
    assert factories.row_count(Review) == 0


def test_a_partner_may_not_write_a_review(app: Flask, client) -> None:
    made = _in_review()
    page = client.get(_url(made), headers=factories.as_user(made.partner_user))
    assert page.status_code == 403 and page.mimetype == "text/html"


def test_a_stranger_gets_a_404_page(app: Flask, client) -> None:
    made = _in_review()
    stranger = factories.supervisor(factories.program())
    page = client.get(_url(made), headers=factories.as_user(stranger.host_user_id))
    assert page.status_code == 404
    assert made.client.display_name not in page.get_data(as_text=True)
