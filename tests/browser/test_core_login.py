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
