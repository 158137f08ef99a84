"""Each role logs in through the demo's own login form and reaches its pages."""

from __future__ import annotations

import pytest

ROLES = ["program manager", "supervisor", "partner"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_logs_in_and_sees_its_home(role: str, logged_in_page, assert_accessible):
    page = logged_in_page(role)
    assert_accessible(page)  # the demo's own home, in its layout
    page.goto(page.demo.url("/tpm/"))
    assert page.get_by_role("heading", name="My pages", level=1).is_visible()
    # In the center's own layout (TPM_BASE_TEMPLATE adapts its base.html).
    assert page.get_by_role("heading", name="Community Center").is_visible()
    assert_accessible(page)


def test_an_anonymous_visitor_is_sent_to_the_demos_login_and_back(browser, demo_server):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(demo_server.url("/tpm/"))
        assert page.url.startswith(demo_server.url("/login"))
        page.get_by_label("Email").fill("supervisor@center.example")
        page.get_by_label("Password").fill("partnership-demo")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(demo_server.url("/tpm/"))
    finally:
        context.close()


def test_the_skip_link_shows_on_focus_and_moves_focus_to_the_page(logged_in_page):
    page = logged_in_page("supervisor")
    page.goto(page.demo.url("/tpm/"))
    skip = page.locator(".tpm-skip")
    skip.focus()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0  # on screen once focused
    outline = skip.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "tpm-main"


def test_a_partners_page_fits_a_phone_without_sideways_scrolling(logged_in_page):
    page = logged_in_page("partner")
    page.goto(page.demo.url("/tpm/"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
