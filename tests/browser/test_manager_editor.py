"""A program manager edits a stage in the stage editor, sees the API's message beside a
field as they type (htmx) and on saving, publishes the draft and migrates a partnership to
the new version; then opens intake review and people and roles. axe-core on every page."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_a_manager_edits_validates_publishes_and_migrates(
    logged_in_page, fresh_demo_server, assert_accessible
) -> None:
    page = logged_in_page("program manager", server=fresh_demo_server)
    page.goto(page.demo.url("/tpm/"))
    page.get_by_role("link", name="Stage editor").click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile(r"^Start a draft from version")).first.click()
    expect(page.locator("#tpm-main h1")).to_contain_text("Edit draft")
    assert_accessible(page)

    # With JavaScript, a change is checked at once and its message shown beside the field.
    page.locator("#transitions-0-dest").fill("nowhere")
    page.locator("#transitions-0-dest").blur()
    expect(page.locator("#err-transitions-0-dest")).to_contain_text("unknown stage 'nowhere'")
    expect(page.locator("#tpm-summary")).to_contain_text("transitions[0].dest")
    assert_accessible(page)

    # Saving it anyway is refused, with the message beside the field again.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#err-transitions-0-dest")).to_contain_text("unknown stage")

    page.locator("#transitions-0-dest").fill("identification")
    page.locator("#stages-0-label").fill("Referral received")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved.")
    expect(page.locator(".tpm-diagram img")).to_have_attribute(
        "alt", re.compile("Stages: Referral received, ")
    )

    page.get_by_role("button", name="Publish the saved draft").click()
    expect(page.get_by_role("status")).to_contain_text("is published")
    assert_accessible(page)
    boxes = page.locator("input[name=partnership_ids]")
    for index in range(1, boxes.count()):
        boxes.nth(index).uncheck()
    page.get_by_role("button", name="Move the ticked partnerships").click()
    expect(page.get_by_role("status")).to_contain_text("1 partnership moved.")
    assert_accessible(page)

    page.goto(page.demo.url("/tpm/"))
    page.get_by_role("link", name="Intake review").click()
    expect(page.locator("#tpm-main h1")).to_have_text("Intake review")
    assert_accessible(page)
    page.goto(page.demo.url("/tpm/"))
    page.get_by_role("link", name="People and roles").click()
    expect(page.locator("#tpm-main h1")).to_contain_text("People and roles")
    assert_accessible(page)
