"""A program manager in a real browser: the board, a partnership's page, a move's reason
prompt and the fidelity dashboard, each accessible; the dashboard shows the API's weeks."""

from __future__ import annotations

import re


def test_the_manager_reaches_the_board_a_partnership_a_move_and_the_dashboard(
    logged_in_page, assert_accessible
) -> None:
    page = logged_in_page("program manager")
    page.goto(page.demo.url("/tpm/manager/board"))
    assert page.locator("#tpm-main h1").inner_text().endswith("partnerships by stage")
    assert_accessible(page)

    page.locator(".tpm-card a").first.click()
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert_accessible(page)

    page.go_back()
    # With JavaScript on, htmx opens the move's reason prompt inside its card.
    page.locator(".tpm-card form.tpm-move button").first.click()
    page.locator(".tpm-card .tpm-move-prompt").first.wait_for()
    assert page.url.split("?")[0].endswith("/board")
    assert_accessible(page)

    page.goto(page.demo.url("/tpm/manager/fidelity"))
    assert page.locator("table.tpm-weeks").is_visible()
    assert_accessible(page)


def test_the_dashboard_shows_the_weeks_figures_the_api_gives(logged_in_page) -> None:
    page = logged_in_page("program manager")
    page.goto(page.demo.url("/tpm/manager/fidelity"))
    program_id = re.search(r"/programs/(\d+)/fidelity", page.url).group(1)
    api = page.request.get(page.demo.url(f"/tpm/api/programs/{program_id}/fidelity")).json()
    shown = []
    for row in page.locator("table.tpm-weeks tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        held = int(cells[1].split()[0])
        shown.append((row.get_attribute("data-week"), float(cells[0]), held))
    answered = [
        (week["week_start"], week["meetings"]["target"], week["meetings"]["held"])
        for week in api["weeks"]
    ]
    assert shown == answered
    assert any(held for _, _, held in shown)


def test_dropping_a_card_on_a_stage_its_move_leads_to_opens_that_moves_prompt(
    logged_in_page,
) -> None:
    page = logged_in_page("program manager")
    page.goto(page.demo.url("/tpm/manager/board"))
    card = page.locator("[data-stage=referred] .tpm-card[draggable=true]").first
    card_link = card.locator("a").first.get_attribute("href")
    partnership_id = int(re.search(r"/partnerships/(\d+)", card_link).group(1))
    card.drag_to(page.locator("section[data-stage=identification]"))
    page.wait_for_url(re.compile(r"/move\?trigger=begin_identification$"))
    assert f"/partnerships/{partnership_id}/move" in page.url
    assert page.locator("textarea[name=reason]").is_visible()
