"""A partner adds identification entries and sees what still blocks planning."""

from __future__ import annotations

import html

from flask import Flask

from tests import factories
from tests.pages.partner_pages import audit_rows, post_form
from tpm_plugin.models import IdentificationEntry
from tpm_plugin.services import identification, transitions


def _url(world: factories.World) -> str:
    return f"/tpm/partner/partnerships/{world.partnership.id}"


def _in_identification() -> factories.World:
    world = factories.world()
    transitions.fire(
        factories.actor(world.manager_user), world.partnership.id, "begin_identification"
    )
    return world


def _add(client, world, data):
    return post_form(client, _url(world), factories.as_user(world.partner_user), data)


def test_the_page_says_what_still_blocks_planning(app: Flask, client) -> None:
    world = _in_identification()
    body = client.get(_url(world), headers=factories.as_user(world.partner_user)).get_data(True)
    assert "What still blocks planning" in body
    assert "one entry in the client's own voice" in html.unescape(body)


def test_once_both_sources_are_in_planning_can_begin(app: Flask, client) -> None:
    world = _in_identification()
    partner = factories.actor(world.partner_user)
    for kind in ("client_voice", "observation"):
        identification.add_entry(
            partner, world.partnership.id, {"kind": kind, "domain": "play", "statement": "x"}
        )
    body = client.get(_url(world), headers=factories.as_user(world.partner_user)).get_data(True)
    assert "planning can begin" in body and "What still blocks planning" not in body


def test_an_entry_is_added_and_shown_after_the_redirect(app: Flask, client) -> None:
    world = _in_identification()
    page = _add(
        client,
        world,
        {"kind": "client_voice", "domain": "play", "statement": "Wants to play football."},
    )
    assert page.status_code == 303
    assert page.headers["Location"].endswith(f"{_url(world)}?notice=entry_added")
    body = client.get(page.headers["Location"], headers=factories.as_user(world.partner_user))
    text = body.get_data(as_text=True)
    assert "Wants to play football." in text and "The identification entry is saved." in text
    [row] = audit_rows(world.partner_user, action="create")
    assert row.object_type == "identification_entry"


def test_an_entry_without_a_statement_is_refused_beside_the_field(app: Flask, client) -> None:
    world = _in_identification()
    page = _add(client, world, {"kind": "observation", "domain": "school", "statement": ""})
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="f-statement-error"' in body and 'href="#f-statement"' in body
    assert 'value="observation" checked' in body
    assert factories.row_count(IdentificationEntry) == 0


def test_others_report_needs_its_source(app: Flask, client) -> None:
    world = _in_identification()
    page = _add(client, world, {"kind": "others_report", "domain": "school", "statement": "x"})
    assert page.status_code == 422
    assert 'id="f-source-error"' in page.get_data(as_text=True)
    assert factories.row_count(IdentificationEntry) == 0


def test_an_unknown_kind_or_domain_is_refused(app: Flask, client) -> None:
    world = _in_identification()
    page = _add(client, world, {"kind": "rumour", "domain": "space", "statement": "x"})
    body = page.get_data(as_text=True)
    assert page.status_code == 422
    assert 'id="f-kind-error"' in body and 'id="f-domain-error"' in body
    assert factories.row_count(IdentificationEntry) == 0


def test_a_closed_partnership_takes_no_entry(app: Flask, client) -> None:
    world = _in_identification()
    headers = factories.as_user(world.partner_user)
    token_page = client.get(_url(world), headers=headers).get_data(as_text=True)
    token = token_page.split('name="csrf_token" value="')[1].split('"')[0]
    factories.withdraw(world)
    page = client.post(
        _url(world),
        headers=headers,
        data={"csrf_token": token, "kind": "observation", "domain": "play", "statement": "x"},
    )
    assert page.status_code == 422
    assert "is closed" in page.get_data(as_text=True)
    assert factories.row_count(IdentificationEntry) == 0


def test_another_partners_partnership_is_a_404_page(app: Flask, client) -> None:
    world = _in_identification()
    stranger = factories.partner(world.program)
    page = client.get(_url(world), headers=factories.as_user(stranger.host_user_id))
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert audit_rows(stranger.host_user_id, outcome="denied")


def test_posting_to_another_partners_partnership_is_a_404_and_writes_nothing(
    app: Flask, client
) -> None:
    world = _in_identification()
    stranger = factories.partner(world.program)
    own = factories.partnership(world.program, partner=stranger)
    data = {"kind": "observation", "domain": "play", "statement": "x"}
    page = post_form(
        client,
        _url(world),
        factories.as_user(stranger.host_user_id),
        data,
        form_at=f"/tpm/partner/partnerships/{own.id}",
    )
    assert page.status_code == 404
    assert factories.row_count(IdentificationEntry) == 0
