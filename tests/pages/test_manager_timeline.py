"""A partnership's page: its people, its whole timeline (as the API's timeline answers it,
corrections shown as such), plan versions side by side and its change across reviews."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import event, select, update

from tests import factories
from tests.conftest import BACKENDS
from tests.factories import as_user
from tests.test_list_queries import counting
from tpm_plugin.models import Meeting, Partnership, Plan, Review
from tpm_plugin.services import meetings, plans, reviews, transitions
from tpm_plugin.services._unit import session

from .manager_helpers import SPANISH, audit_rows, held_supervision, people_world, untranslated

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _lived() -> factories.World:
    """An active partnership with two plan versions, meetings (one corrected), a
    supervision session and a review that rated two domains."""
    made = people_world()
    factories.activate(made)
    manager = factories.actor(made.manager_user)
    pid = made.partnership.id
    first = meetings.add_meeting(
        manager,
        pid,
        {"scheduled_at": NOW - dt.timedelta(days=3), "status": "held", "minutes": 40},
    )
    meetings.add_meeting(
        manager,
        pid,
        {
            "scheduled_at": first.scheduled_at,
            "status": "held",
            "minutes": 45,
            "supersedes_id": first.id,
        },
    )
    held_supervision(made, NOW - dt.timedelta(days=2))
    transitions.fire(manager, pid, "begin_review")
    reviews.add_review(
        manager,
        pid,
        {
            "held_at": NOW - dt.timedelta(days=1),
            "participants": ["partner"],
            "discussion": "Going well.",
            "outcome": "replan",
            "ratings": [{"domain": "play", "rating": 4}, {"domain": "school", "rating": 2}],
        },
    )
    transitions.fire(manager, pid, "replan")
    entry = plans.list_plans(manager, pid, {"page": 1, "page_size": 1, "sort": "-version"})
    answers = entry.items[0].activities[0].answers
    plans.add_plan(
        manager,
        pid,
        {
            "activities": [
                {"domain": "school", "aim": "Walk to school together.", "answers": answers}
            ]
        },
    )
    return made


def _page(client, made: factories.World, query: str = "", user: str | None = None, **headers):
    return client.get(
        f"/tpm/manager/partnerships/{made.partnership.id}{query}",
        headers={**as_user(user or made.manager_user), **headers},
    )


def test_the_page_shows_the_people_and_every_kind_of_the_apis_timeline(app: Flask, client) -> None:
    made = _lived()
    api = client.get(
        f"/tpm/api/partnerships/{made.partnership.id}/timeline?page_size=100",
        headers=as_user(made.manager_user),
    ).json
    page = _page(client, made)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lucía Pérez" in html and "Marta Gil" in html and "Rosa Vidal" in html
    assert html.count('<li class="') == api["total"]
    for heading in ("Stage change", "Identification entry", "Plan version", "Meeting"):
        assert f"<strong>{heading}</strong>" in html
    assert "<strong>Supervision</strong>" in html and "<strong>Review meeting</strong>" in html
    assert f"Entries 1 to {api['total']} of {api['total']}" in html


def test_each_entry_says_what_happened_in_words(app: Flask, client) -> None:
    made = _lived()
    html = _page(client, made).get_data(as_text=True)
    assert "From Active to Review, by a program manager." in html
    assert "Meeting held. 45 minutes." in html
    assert "Decided: plan again." in html
    assert "Supervision held:" in html and "Version 2 of the plan." in html


def test_a_partnership_without_a_partner_says_so_beside_its_other_people(
    app: Flask, client
) -> None:
    made = people_world()
    session().execute(
        update(Partnership).where(Partnership.id == made.partnership.id).values(partner_id=None)
    )
    session().commit()
    html = _page(client, made).get_data(as_text=True)
    assert "<dt>Partnered with</dt><dd>not assigned</dd>" in html
    assert "<dt>Supervised by</dt><dd>Rosa Vidal</dd>" in html and "Lucía Pérez" in html


def test_the_managers_moves_are_buttons_of_one_form_to_the_move_page(app: Flask, client) -> None:
    made = _lived()
    html = _page(client, made).get_data(as_text=True)
    move = f"/tpm/manager/partnerships/{made.partnership.id}/move"
    assert html.count(f'<form method="get" action="{move}" class="tpm-move">') == 1
    assert 'name="trigger" value="put_on_hold"' in html
    prompt = client.get(f"{move}?trigger=put_on_hold", headers=as_user(made.manager_user))
    assert prompt.status_code == 200


def test_a_corrected_meeting_and_its_correction_are_shown_as_such(app: Flask, client) -> None:
    made = _lived()
    html = _page(client, made, "?kind=meeting").get_data(as_text=True)
    assert "Correction of entry" in html and "Corrected later by entry" in html
    assert 'class="tpm-corrected"' in html


def test_plan_versions_stand_side_by_side_by_domain(app: Flask, client) -> None:
    made = _lived()
    html = _page(client, made).get_data(as_text=True)
    side_by_side = html[html.index('id="plans"') : html.index('id="change"')]
    assert "Play together." in side_by_side and "Walk to school together." in side_by_side
    assert side_by_side.index("Version 1") < side_by_side.index("Version 2")


def test_the_change_chart_has_its_figures_in_a_table_beside_it(app: Flask, client) -> None:
    made = _lived()
    html = _page(client, made).get_data(as_text=True)
    chart = f"/tpm/api/partnerships/{made.partnership.id}/change?format=svg"
    assert f'<img class="tpm-chart" src="{chart}"' in html
    assert client.get(chart, headers=as_user(made.manager_user)).mimetype == "image/svg+xml"
    assert "Connection in each domain at each review" in html
    assert "<td>4</td>" in html and "<td>2</td>" in html


def test_the_page_is_audited_as_the_api_reads_are(app: Flask, client) -> None:
    made = _lived()
    _page(client, made)
    actions = {row.action for row in audit_rows(made.manager_user)[-4:]}
    assert {"read", "read_timeline", "list", "read_change"} <= actions


def test_the_timeline_pages_on_and_back(app: Flask, client) -> None:
    made = _lived()
    first = _page(client, made, "?page_size=2").get_data(as_text=True)
    second = _page(client, made, "?page_size=2&page=2").get_data(as_text=True)
    assert "Older entries" in first and "Newer entries" not in first
    assert "Newer entries" in second


def test_an_unknown_kind_is_named_beside_its_field(app: Flask, client) -> None:
    made = _lived()
    page = _page(client, made, "?kind=gossip")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="kind-error"' in html and "Must be one of" in html


def test_the_partnerships_supervisor_may_read_it_without_moves(app: Flask, client) -> None:
    made = _lived()
    page = _page(client, made, user=made.supervisor_user)
    assert page.status_code == 200
    assert "/move" not in page.get_data(as_text=True)


@pytest.mark.parametrize("who", ["manager_user", "partner_user", "supervisor_user"])
def test_someone_of_another_program_gets_a_404_page_and_no_names(
    app: Flask, client, who: str
) -> None:
    made, other = _lived(), people_world()
    page = _page(client, made, user=getattr(other, who))
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Lucía Pérez" not in page.get_data(as_text=True)
    assert audit_rows(getattr(other, who))[-1].outcome == "denied"


def test_the_partnership_page_speaks_spanish(app: Flask, client) -> None:
    made = _lived()
    html = _page(client, made, "?kind=gossip", **SPANISH).get_data(as_text=True)
    assert "Cronología" in html
    assert untranslated(html) == []


def _with_meetings(count: int) -> factories.World:
    made = people_world()
    factories.activate(made)
    session().add_all(
        Meeting(
            partnership_id=made.partnership.id,
            scheduled_at=NOW - dt.timedelta(hours=6 * n),
            status="held",
            minutes=40,
        )
        for n in range(count)
    )
    session().commit()
    return made


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_page_runs_as_many_statements_for_60_entries_as_for_3_in_one_transaction(
    app: Flask, client
) -> None:
    counts, commits = [], []
    engine = app.extensions["sqlalchemy"].engine
    for made in (_with_meetings(3), _with_meetings(60)):
        _page(client, made)  # the workflow's machine is built once per process
        committed: list[object] = []

        def commit(connection, committed=committed) -> None:
            committed.append(connection)

        event.listen(engine, "commit", commit)
        try:
            with counting(app) as statements:
                page = _page(client, made)
        finally:
            event.remove(engine, "commit", commit)
        assert page.status_code == 200
        counts.append(len(statements))
        commits.append(len(committed))
        # The partnership is reached (scope checked) once, not once per part of the page.
        assert sum("FROM tpm_partnerships" in s for s in statements) == 1
    assert counts[0] == counts[1]
    # One for the viewer's language (looked up before the view), one for the page's read.
    assert commits == [2, 2]


def test_each_part_of_the_page_is_audited_naming_what_it_showed(app: Flask, client) -> None:
    made = _lived()
    before = len(audit_rows(made.manager_user))
    _page(client, made)
    rows = {row.action: row for row in audit_rows(made.manager_user)[before:]}
    assert sorted(rows) == ["list", "read", "read_change", "read_timeline"]
    pid = made.partnership.id
    plan_ids = session().scalars(select(Plan.id).where(Plan.partnership_id == pid)).all()
    review_ids = session().scalars(select(Review.id).where(Review.partnership_id == pid)).all()
    assert sorted(rows["list"].object_ids) == sorted(plan_ids)
    assert rows["read_change"].object_ids == review_ids
    assert {(row.outcome, row.partnership_id) for row in rows.values()} == {("allowed", pid)}


def test_a_page_outside_ones_scope_leaves_one_denied_row(app: Flask, client) -> None:
    made, other = _lived(), people_world()
    before = len(audit_rows(other.manager_user))
    assert _page(client, made, user=other.manager_user).status_code == 404
    rows = audit_rows(other.manager_user)[before:]
    assert [(row.outcome, row.object_type) for row in rows] == [("denied", "partnership")]
