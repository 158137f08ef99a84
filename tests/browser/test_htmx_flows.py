"""With JavaScript on, htmx swaps only the part of the page a form changes: a manager moves
a partnership from its card on the board, and the board stays where it was."""

from __future__ import annotations

import re

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
