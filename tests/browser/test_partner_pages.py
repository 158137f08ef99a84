"""A partner on their phone (375 px): logs a meeting in two taps, and every partner page
passes the axe-core check."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

#: The demo program's timezone (examples/center_app/seed.py).
DEMO_TIMEZONE = ZoneInfo("America/New_York")


def _earlier_today() -> dt.datetime:
    """A moment of today on the demo program's clock that has already come."""
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.astimezone(DEMO_TIMEZONE).date(), dt.time(0))
    local_midnight = midnight.replace(tzinfo=DEMO_TIMEZONE).astimezone(dt.UTC)
    return max(now - dt.timedelta(minutes=2), local_midnight + dt.timedelta(seconds=1))


def _partnership_in(page, stage: str) -> int:
    answer = page.request.get(page.demo.url(f"/tpm/api/partnerships?stage={stage}"))
    assert answer.ok, answer.text()
    return answer.json()["items"][0]["id"]


def test_a_partner_logs_a_meeting_in_two_taps_on_a_phone(
    logged_in_page, fresh_demo_server, assert_accessible
):
    page = logged_in_page("partner", server=fresh_demo_server)
    active = _partnership_in(page, "active")
    scheduled = page.request.post(
        page.demo.url(f"/tpm/api/partnerships/{active}/meetings"),
        data={"scheduled_at": _earlier_today().isoformat()},
    )
    assert scheduled.status == 201, scheduled.text()
    page.goto(page.demo.url("/tpm/partner"))
    assert page.viewport_size["width"] == 375
    assert_accessible(page)
    today = page.locator("section[aria-labelledby=tpm-today]")
    today.get_by_role("link", name="Log this meeting").first.click()  # tap one
    page.get_by_role("heading", name="How did the meeting go?").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="It was held").click()  # tap two
    page.get_by_text("The meeting is logged.").wait_for()
    assert page.url.startswith(page.demo.url("/tpm/partner"))
    meeting = page.request.get(page.demo.url(f"/tpm/api/meetings/{scheduled.json()['id']}"))
    assert meeting.json()["status"] == "held" and meeting.json()["minutes"] == 60


def test_every_partner_page_passes_the_accessibility_check(logged_in_page, assert_accessible):
    page = logged_in_page("partner")
    identifying = _partnership_in(page, "identification")
    for path in (
        "/tpm/partner",
        f"/tpm/partner/partnerships/{identifying}",
        f"/tpm/partner/partnerships/{identifying}/plan",
        "/tpm/partner/calendar",
    ):
        page.goto(page.demo.url(path))
        assert_accessible(page)
    # A form sent back with its messages (sent from the keyboard).
    page.goto(page.demo.url(f"/tpm/partner/partnerships/{identifying}"))
    page.get_by_role("button", name="Save the entry").press("Enter")
    page.locator(".tpm-error-summary").wait_for()
    assert_accessible(page)
    page.goto(page.demo.url("/tpm/partner/calendar"))
    page.get_by_role("button", name="Make a new calendar link").click()
    page.get_by_label("Calendar link").wait_for()
    assert "/tpm/api/calendar/" in page.get_by_label("Calendar link").input_value()
    assert_accessible(page)
