"""A partner drafts the plan across the five domains, each activity tied to what
identification found."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests import factories
from tests.pages.partner_pages import audit_rows, post_form
from tpm_plugin.models import Plan, PlannedActivity
from tpm_plugin.services import identification, plans, transitions
from tpm_plugin.services._unit import session


def _url(world: factories.World) -> str:
    return f"/tpm/partner/partnerships/{world.partnership.id}/plan"


def _with_entries() -> tuple[factories.World, list[int]]:
    world = factories.world()
    manager = factories.actor(world.manager_user)
    transitions.fire(manager, world.partnership.id, "begin_identification")
    entries = [
        identification.add_entry(
            manager, world.partnership.id, {"kind": kind, "domain": "play", "statement": kind}
        ).id
        for kind in ("client_voice", "observation")
    ]
    return world, entries


def _row_of(body: str, domain: str) -> int:
    """The form row number of the empty activity of ``domain``."""
    marker = f'value="{domain}">'
    before = body.split(marker)[0]
    return int(before.rsplit('name="activity-', 1)[1].split("-")[0])


def test_the_form_has_a_row_per_domain_with_the_entries_to_answer(app: Flask, client) -> None:
    world, entries = _with_entries()
    page = client.get(_url(world), headers=factories.as_user(world.partner_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    for domain in ("self", "others", "school", "work", "play"):
        assert f'value="{domain}"' in body
    for entry_id in entries:
        assert f'value="{entry_id}"' in body


def test_a_plan_is_saved_with_activities_answering_entries(app: Flask, client) -> None:
    world, entries = _with_entries()
    headers = factories.as_user(world.partner_user)
    body = client.get(_url(world), headers=headers).get_data(as_text=True)
    school, play = _row_of(body, "school"), _row_of(body, "play")
    data = {
        "summary": "Football and homework.",
        f"activity-{play}-aim": "Play football on Saturdays.",
        f"activity-{play}-per_week": "1",
        f"activity-{play}-answers": [str(entries[0])],
        f"activity-{school}-aim": "Homework together.",
        f"activity-{school}-answers": [str(entries[0]), str(entries[1])],
    }
    data.update({f"activity-{n}-domain": d for n, d in _domains(body).items()})
    page = post_form(client, _url(world), headers, data)
    assert page.status_code == 303, page.get_data(as_text=True)
    assert page.headers["Location"].endswith("?notice=plan_saved")
    [plan] = session().scalars(select(Plan).where(Plan.partnership_id == world.partnership.id))
    aims = set(
        session().scalars(select(PlannedActivity.aim).where(PlannedActivity.plan_id == plan.id))
    )
    assert aims == {"Play football on Saturdays.", "Homework together."}
    assert plan.summary == "Football and homework."
    [row] = audit_rows(world.partner_user, object_type="plan", action="create")
    assert row.outcome == "allowed"


def test_the_form_starts_from_the_newest_version(app: Flask, client) -> None:
    world, entries = _with_entries()
    manager = factories.actor(world.manager_user)
    plans.add_plan(
        manager,
        world.partnership.id,
        {"activities": [{"domain": "work", "aim": "Visit the bakery.", "answers": entries}]},
    )
    body = client.get(_url(world), headers=factories.as_user(world.partner_user)).get_data(True)
    assert 'value="Visit the bakery."' in body and "version 1" in body


def test_a_plan_without_activities_is_refused(app: Flask, client) -> None:
    world, _ = _with_entries()
    headers = factories.as_user(world.partner_user)
    body = client.get(_url(world), headers=headers).get_data(as_text=True)
    data = {f"activity-{n}-domain": d for n, d in _domains(body).items()}
    page = post_form(client, _url(world), headers, data)
    assert page.status_code == 422
    assert 'id="f-activities-error"' in page.get_data(as_text=True)
    assert factories.row_count(Plan) == 0


def test_an_activity_answering_nothing_gets_its_message_beside_its_row(app: Flask, client) -> None:
    world, _ = _with_entries()
    headers = factories.as_user(world.partner_user)
    body = client.get(_url(world), headers=headers).get_data(as_text=True)
    play = _row_of(body, "play")
    data = {f"activity-{n}-domain": d for n, d in _domains(body).items()}
    data[f"activity-{play}-aim"] = "Play."
    data[f"activity-{play}-per_week"] = "99"
    page = post_form(client, _url(world), headers, data)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert f'id="f-activity-{play}-per_week-error"' in text
    assert 'value="Play."' in text
    assert factories.row_count(Plan) == 0


def test_an_answer_from_another_partnership_is_refused_beside_its_row(app: Flask, client) -> None:
    world, _ = _with_entries()
    other, other_entries = _with_entries()
    headers = factories.as_user(world.partner_user)
    body = client.get(_url(world), headers=headers).get_data(as_text=True)
    play = _row_of(body, "play")
    data = {f"activity-{n}-domain": d for n, d in _domains(body).items()}
    data[f"activity-{play}-aim"] = "Play."
    data[f"activity-{play}-answers"] = [str(other_entries[0])]
    page = post_form(client, _url(world), headers, data)
    assert page.status_code == 422
    assert f'id="f-activity-{play}-answers-error"' in page.get_data(as_text=True)
    assert factories.row_count(Plan) == 0


def test_another_partners_plan_is_a_404_page(app: Flask, client) -> None:
    world, _ = _with_entries()
    stranger = factories.partner(world.program)
    page = client.get(_url(world), headers=factories.as_user(stranger.host_user_id))
    assert page.status_code == 404 and page.mimetype == "text/html"


def _domains(body: str) -> dict[int, str]:
    """Every row of the form: its number and the domain its hidden field posts."""
    rows = {}
    for part in body.split('name="activity-')[1:]:
        number, rest = part.split("-", 1)
        if rest.startswith('domain" value="'):
            rows[int(number)] = rest.split('value="')[1].split('"')[0]
    return rows
