"""The supervisor's pages in a real browser: the week, the misses, logging supervision,
writing a review, and a partnership taken from referred to active through the stage page
(each page checked with axe-core).

The identification entries and the plan between the stages are the partner's pages' work;
until those are on this branch, this test records them through the JSON API from the same
logged-in browser, exactly the calls those pages make through the services.
"""

from __future__ import annotations

import re

from tests.browser.conftest import DemoServer

REFERRED_CLIENT = "Ana M."
REVIEWED_CLIENT = "Rosa P."


def _week(page) -> None:
    page.goto(page.demo.url("/tpm/"))
    page.get_by_role("link", name="My week of supervision").click()
    page.get_by_role("heading", name="Partnerships I supervise").wait_for()


def _take_step(page, label: str) -> None:
    page.get_by_role("button", name=label).click()
    page.get_by_role("status").filter(has_text="now in").wait_for()


def test_a_supervisor_uses_the_week_misses_supervision_and_review_pages(
    logged_in_page, fresh_demo_server: DemoServer, assert_accessible
) -> None:
    page = logged_in_page("supervisor", server=fresh_demo_server)
    _week(page)
    assert_accessible(page)
    page.get_by_role("link", name="Weeks below target").first.click()
    page.get_by_role("heading", name="Weeks below target", level=1).wait_for()
    assert_accessible(page)

    _week(page)
    page.get_by_role("link", name="Log supervision").first.click()
    page.get_by_role("heading", name=re.compile("Log supervision with")).wait_for()
    assert_accessible(page)
    minutes = page.get_by_label(REFERRED_CLIENT)  # the row of minutes for Ana's partnership
    minutes.fill("many")
    page.get_by_role("button", name="Log the session").click()
    page.get_by_role("alert").filter(has_text="nothing was saved").wait_for()
    assert_accessible(page)  # the refused form, with its messages
    assert page.get_by_role("link", name=re.compile("Enter whole minutes")).is_visible()
    minutes.fill("20")
    page.get_by_role("button", name="Log the session").click()
    page.get_by_role("status").filter(has_text="The supervision session is logged.").wait_for()
    # htmx swapped the form for that notice; the week is one link away.
    page.get_by_role("link", name="Back to my week").click()

    page.get_by_role("row", name=re.compile(REVIEWED_CLIENT)).get_by_role(
        "link", name="Write a review"
    ).click()
    page.get_by_role("heading", name=re.compile("Review of the partnership")).wait_for()
    assert_accessible(page)


def test_a_partnership_goes_from_referred_to_active_through_the_stage_page(
    logged_in_page, fresh_demo_server: DemoServer, assert_accessible
) -> None:
    page = logged_in_page("supervisor", server=fresh_demo_server)
    _week(page)
    page.get_by_role("row", name=re.compile(REFERRED_CLIENT)).get_by_role(
        "link", name="Move stage"
    ).click()
    page.get_by_role("heading", name=re.compile("Stage of the partnership")).wait_for()
    assert_accessible(page)
    api = page.demo.url(f"/tpm/api/partnerships/{_partnership_id(page)}")

    _take_step(page, "Begin identification")
    blocked = page.get_by_role("region", name="Not possible yet, and why")
    assert "client's own voice" in blocked.inner_text()
    assert_accessible(page)
    entries = [
        _created(
            page,
            f"{api}/identification-entries",
            {"kind": kind, "domain": "play", "statement": f"A {kind} entry.", "source": "teacher"},
        )
        for kind in ("client_voice", "others_report")
    ]
    page.reload()
    _take_step(page, "Begin planning")
    activities = [{"domain": "play", "aim": "Play together.", "answers": entries}]
    _created(page, f"{api}/plans", {"activities": activities})
    page.reload()
    _take_step(page, "Start the partnership")
    assert "now in Active" in page.get_by_role("status").inner_text()
    assert_accessible(page)


def _partnership_id(page) -> int:
    return int(re.search(r"/partnerships/(\d+)/stage", page.url).group(1))


def _created(page, url: str, body: dict) -> int:
    answer = page.request.post(url, data=body)
    assert answer.status == 201, answer.text()
    return answer.json()["id"]
