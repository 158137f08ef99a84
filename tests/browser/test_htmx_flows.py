"""With JavaScript on, htmx swaps only the part of the page a form changes: a manager moves
a partnership from its card on the board, and resolves a possible duplicate on the intake
review, and the rest of each page stays where it was."""

from __future__ import annotations

import json
import re

from examples.center_app.intake import DEMO_SOURCES
from tests import intake_helpers

from .demo import DemoServer


def test_a_manager_moves_a_partnership_from_its_card_without_leaving_the_board(
    logged_in_page, fresh_demo_server: DemoServer, assert_accessible
) -> None:
    page = logged_in_page("program manager", server=fresh_demo_server)
    page.goto(page.demo.url("/tpm/manager/board"))
    board_url = page.url
    card = page.locator("[data-stage=referred] .tpm-card").first
    card_link = card.locator("a").first.get_attribute("href")
    partnership_id = int(re.search(r"/partnerships/(\d+)", card_link).group(1))
    card.get_by_role("button", name="Begin identification").click()
    prompt = card.locator(".tpm-move-prompt")
    prompt.get_by_role("button", name="Move").wait_for()
    assert page.url == board_url  # the prompt came into the card, not a new page
    assert_accessible(page)
    prompt.get_by_label(re.compile("Why")).fill("The family agreed on the phone.")
    prompt.get_by_role("button", name="Move").click()
    card.get_by_role("status").filter(has_text=f"Partnership {partnership_id} moved.").wait_for()
    assert page.url == board_url
    stage = page.request.get(page.demo.url(f"/tpm/api/partnerships/{partnership_id}"))
    assert stage.json()["stage"] == "identification"


def _refer_twice(page) -> int:
    """Two signed referrals of one child through the demo's Standard Webhooks source; the
    second is flagged as a possible duplicate of the first. Returns its intake record id."""
    _, secret, _ = DEMO_SOURCES["referrals"]
    payload = {
        "client": {"first_name": "Lia", "last_name": "Moreno", "date_of_birth": "2015-06-01"},
        "guardian": {"phone": "+1 555 0142"},
        "reason": "Referred by her school.",
        "consent": {"guardian": True},
    }
    body = json.dumps(payload).encode()
    answers = []
    for _ in range(2):
        headers = intake_helpers.standard_headers(secret, body)
        answer = page.request.post(
            page.demo.url("/tpm/webhooks/intake/referrals"), data=body, headers=headers
        )
        assert answer.status == 201, answer.text()
        answers.append(answer.json())
    assert answers[1]["possible_duplicate_client_ids"] == [answers[0]["client_id"]]
    return answers[1]["intake_record_id"]


def test_a_manager_resolves_a_possible_duplicate_and_only_that_list_is_swapped(
    logged_in_page, fresh_demo_server: DemoServer, assert_accessible
) -> None:
    page = logged_in_page("program manager", server=fresh_demo_server)
    record_id = _refer_twice(page)
    page.goto(page.demo.url("/tpm/manager/intake"))
    intake_url = page.url
    assert_accessible(page)
    card = page.locator(f"#duplicate-{record_id}")
    card.get_by_role("button", name=f"Record the decision on intake record {record_id}").click()
    # No choice made: the browser's own check stops the form before anything is sent.
    assert page.locator(f"#duplicate-{record_id}-error").count() == 0
    card.get_by_label("No, a different person").check()
    card.get_by_role("button", name=f"Record the decision on intake record {record_id}").click()
    page.get_by_role("status").filter(
        has_text=f"Intake record {record_id} was resolved."
    ).wait_for()
    assert page.url == intake_url and page.locator(f"#duplicate-{record_id}").count() == 0
    assert page.get_by_role("heading", name="Dead letters").is_visible()  # the rest stayed
    assert_accessible(page)
