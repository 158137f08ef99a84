"""After htmx swaps a form's answer in, keyboard focus is on what the answer says: the
error summary of a refused form, the status message of a success (static/tpm/focus.js).
The button that had focus was replaced with the form; without this, keyboard and
screen-reader users would be left at the top of the page, not told what happened. Focus the
user put elsewhere (the next field, while a preview is swapped) stays where it is."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import DemoServer

REFERRED_CLIENT = "Ana M."

_FOCUSED = """() => {
  const element = document.activeElement;
  return {
    role: element.getAttribute("role"),
    classes: [...element.classList],
    tabindex: element.getAttribute("tabindex"),
    text: element.innerText,
  };
}"""


def _session_log(page) -> str:
    """Open the first 'Log supervision' form of the supervisor's week; return its URL."""
    page.goto(page.demo.url("/tpm/supervisor/week"))
    page.get_by_role("link", name="Log supervision").first.click()
    page.get_by_role("heading", name=re.compile("Log supervision with")).wait_for()
    return page.url


def test_a_refused_form_swapped_in_puts_focus_on_its_error_summary(
    logged_in_page, demo_server: DemoServer, assert_accessible
) -> None:
    page = logged_in_page("supervisor", server=demo_server)
    url = _session_log(page)
    page.get_by_label(REFERRED_CLIENT).fill("many")
    page.get_by_role("button", name="Log the session").focus()
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="nothing was saved").wait_for()
    focused = page.evaluate(_FOCUSED)
    assert page.url == url  # htmx swapped the form; the page stayed
    assert focused["role"] == "alert" and "tpm-error-summary" in focused["classes"]
    assert focused["tabindex"] == "-1"  # focusable by script, not a tab stop
    # The summary's first link is the next tab stop, and leads to the field to fix.
    page.keyboard.press("Tab")
    assert re.search("Enter whole minutes", page.evaluate(_FOCUSED)["text"])
    assert_accessible(page)


def test_a_success_swapped_in_puts_focus_on_its_status_message(
    logged_in_page, fresh_demo_server: DemoServer
) -> None:
    page = logged_in_page("supervisor", server=fresh_demo_server)
    _session_log(page)
    page.get_by_label(REFERRED_CLIENT).fill("20")
    page.get_by_role("button", name="Log the session").focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="The supervision session is logged.").wait_for()
    focused = page.evaluate(_FOCUSED)
    assert focused["role"] == "status"
    assert focused["text"] == "The supervision session is logged."
    assert focused["tabindex"] == "-1"


def test_focus_the_user_put_in_another_field_stays_there_when_a_preview_is_swapped(
    logged_in_page, fresh_demo_server: DemoServer
) -> None:
    page = logged_in_page("program manager", server=fresh_demo_server)
    page.goto(page.demo.url("/tpm/"))
    page.get_by_role("link", name="Stage editor").click()
    page.get_by_role("button", name=re.compile(r"^Start a draft from version")).first.click()
    page.locator("#transitions-0-dest").fill("nowhere")
    # Leaving the field checks the draft with htmx, which swaps the preview and messages in.
    page.locator("#stages-0-label").focus()
    expect(page.locator("#err-transitions-0-dest")).to_contain_text("unknown stage 'nowhere'")
    assert page.evaluate("document.activeElement.id") == "stages-0-label"
