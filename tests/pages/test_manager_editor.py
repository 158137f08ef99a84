"""The stage editor: a program manager edits a draft of their program's workflow with the
workflows API's messages beside each field, sees the diagram redrawn, saves and publishes
it; nobody else reaches it."""

from __future__ import annotations

import base64
import html as html_lib
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from tests import factories
from tpm_plugin.models import WorkflowDraft, WorkflowVersion
from tpm_plugin.services import workflow_versions
from tpm_plugin.services._unit import session

PAGES = "/tpm/manager/workflows"
TOKEN = "test-token"


class _Form(HTMLParser):
    """The fields a browser would send for the first form with ``action`` (no JavaScript)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.done = action, False, False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and a.get("action") == self.action:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select is not None and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "form" and self.inside:
            self.inside, self.done = False, True


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    """What submitting the form posting to ``action`` sends, as the page shows it."""
    parser = _Form(action)
    parser.feed(html)
    assert parser.done, f"no form posting to {action}"
    return parser.fields


def changed(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """``fields`` with some values replaced (names with ``-`` spelled ``__``) or added."""
    wanted = {name.replace("__", "-"): value for name, value in values.items()}
    kept = [(name, wanted.pop(name) if name in wanted else value) for name, value in fields]
    return kept + list(wanted.items())


def diagram(html: str) -> str:
    """The SVG of the diagram image on the page."""
    found = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"', html)
    assert found, "no diagram"
    return base64.b64decode(found[1]).decode("utf-8")


def with_token(client) -> None:
    """Give the client's session the plugin's CSRF token the forms carry."""
    with client.session_transaction() as stored:
        stored["tpm_csrf"] = TOKEN


def error_beside(html: str, field: str) -> str:
    """The message shown beside ``field`` (empty when none)."""
    found = re.search(
        rf'<p class="tpm-error[^"]*" id="err-{re.escape(field)}"[^>]*>(.*?)</p>', html, re.S
    )
    assert found, f"no message slot for {field}"
    return html_lib.unescape(found[1]).strip()


@pytest.fixture
def world(app: Flask) -> factories.World:
    return factories.world()


@pytest.fixture
def manager(client, world) -> dict[str, str]:
    with_token(client)
    return factories.as_user(world.manager_user)


@pytest.fixture
def draft_url(client, manager, world) -> str:
    key = world.program.workflow_key
    made = client.post(f"{PAGES}/{key}/drafts", data={"csrf_token": TOKEN}, headers=manager)
    assert made.status_code == 303
    return made.headers["Location"]


def _draft_id(url: str) -> int:
    return int(url.rsplit("/", 1)[1])


def _stored(world, url: str) -> dict[str, Any]:
    session().expire_all()
    return session().get(WorkflowDraft, _draft_id(url)).definition


def _post_edited(client, manager, url: str, *, to: str | None = None, **values: str):
    """Post the editor's form at ``url`` as shown, with ``values`` typed over it (see
    :func:`changed`), to ``to`` (default: the form's own action, Save)."""
    fields = form_fields(client.get(url, headers=manager).text, url)
    return client.post(to or url, data=MultiDict(changed(fields, **values)), headers=manager)


def test_a_manager_finds_the_stage_editor_on_the_home_page(client, manager, world) -> None:
    home = client.get("/tpm/", headers=manager).text
    assert "Stage editor" in home
    page = client.get(PAGES, headers=manager)
    assert page.status_code == 200
    assert world.program.workflow_key in page.text
    assert "Start a draft from version 1" in page.text


def test_a_partner_or_supervisor_finds_no_stage_editor(client, world) -> None:
    for user in (world.partner_user, world.supervisor_user):
        page = client.get(PAGES, headers=factories.as_user(user))
        assert page.status_code == 404 and page.mimetype == "text/html"
        assert "Stage editor" not in client.get("/tpm/", headers=factories.as_user(user)).text


def test_another_programs_manager_gets_a_404_page_for_the_draft(client, draft_url) -> None:
    other = factories.world()
    page = client.get(draft_url, headers=factories.as_user(other.manager_user))
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_editor_shows_every_stage_and_the_diagram(client, manager, draft_url) -> None:
    page = client.get(draft_url, headers=manager)
    assert page.status_code == 200
    assert 'id="stages-0-key"' in page.text and 'value="referred"' in page.text
    assert '<label for="transitions-0-trigger">' in page.text
    assert 'data-stage="referred"' in diagram(page.text)
    assert "Stages: Referred, Identification" in page.text  # the image's text alternative


def test_saving_the_form_unchanged_keeps_the_definition(client, manager, world, draft_url) -> None:
    before = _stored(world, draft_url)
    fields = form_fields(client.get(draft_url, headers=manager).text, draft_url)
    saved = client.post(draft_url, data=MultiDict(fields), headers=manager)
    assert saved.status_code == 303, saved.text
    assert _stored(world, draft_url) == before


def test_a_new_stage_and_transition_are_saved_from_the_blank_rows(
    client, manager, world, draft_url
) -> None:
    fields = form_fields(client.get(draft_url, headers=manager).text, draft_url)
    new_stage, new_transition = dict(fields)["stage_count"], dict(fields)["transition_count"]
    typed = {
        f"stages-{new_stage}-key": "intake_call",
        f"stages-{new_stage}-label": "Intake call",
        f"stages-{new_stage}-kind": "normal",
        f"stages-{new_stage}-cadence-meetings_per_week": "1",
        f"transitions-{new_transition}-trigger": "call",
        f"transitions-{new_transition}-label": "Call the family",
        f"transitions-{new_transition}-sources": "referred",
        f"transitions-{new_transition}-dest": "intake_call",
        f"transitions-{new_transition}-roles": "program_manager",
        f"transitions-{new_transition}-reason_required": "1",
    }
    refused = client.post(draft_url, data=MultiDict(changed(fields, **typed)), headers=manager)
    assert refused.status_code == 422  # nothing leads out of intake_call yet
    assert "no path leads from stage 'intake_call'" in error_beside(
        refused.text, f"stages-{new_stage}-key"
    )
    # The page offers a fresh blank transition; fill it in to leave the new stage.
    fields = form_fields(refused.text, draft_url)
    following = dict(fields)["transition_count"]
    typed = {
        f"transitions-{following}-trigger": "after_call",
        f"transitions-{following}-label": "After the call",
        f"transitions-{following}-sources": "intake_call",
        f"transitions-{following}-dest": "identification",
        f"transitions-{following}-roles": "program_manager",
    }
    saved = client.post(draft_url, data=MultiDict(changed(fields, **typed)), headers=manager)
    assert saved.status_code == 303, saved.text
    definition = _stored(world, draft_url)
    assert definition["stages"][-1] == {
        "key": "intake_call",
        "label": "Intake call",
        "kind": "normal",
        "cadence": {"meetings_per_week": 1},
    }
    assert definition["transitions"][-2]["reason_required"] is True
    assert definition["transitions"][-1]["dest"] == "identification"


def test_a_bad_destination_is_refused_beside_its_field_and_nothing_is_saved(
    client, manager, world, draft_url
) -> None:
    before = _stored(world, draft_url)
    refused = _post_edited(client, manager, draft_url, transitions__0__dest="identifcation")
    assert refused.status_code == 422
    message = error_beside(refused.text, "transitions-0-dest")
    assert "unknown stage 'identifcation'" in message and "did you mean 'identification'" in message
    assert 'href="#transitions-0-dest"' in refused.text  # the summary links to the field
    assert 'value="identifcation"' in refused.text  # what was typed is kept
    assert _stored(world, draft_url) == before


def test_a_figure_that_is_not_a_number_is_named_beside_it(client, manager, draft_url) -> None:
    refused = _post_edited(
        client, manager, draft_url, stages__3__cadence__meetings_per_week="three"
    )
    assert refused.status_code == 422
    assert "Not a valid integer" in error_beside(refused.text, "stages-3-cadence-meetings_per_week")


def test_an_unknown_guard_is_reported_at_the_guards_of_its_transition(
    client, manager, draft_url
) -> None:
    fields = form_fields(client.get(draft_url, headers=manager).text, draft_url)
    refused = client.post(
        draft_url,
        data=MultiDict(fields + [("transitions-0-guards", "no_such_guard")]),
        headers=manager,
    )
    assert refused.status_code == 422
    assert "unknown guard 'no_such_guard'" in error_beside(refused.text, "transitions-0-guards")


def test_preview_without_javascript_redraws_and_saves_nothing(
    client, manager, world, draft_url
) -> None:
    before = _stored(world, draft_url)
    fields = form_fields(client.get(draft_url, headers=manager).text, draft_url)
    shown = client.post(
        f"{draft_url}/preview",
        data=MultiDict(changed(fields, stages__0__label="Referral received")),
        headers=manager,
    )
    assert shown.status_code == 200
    assert "Referral received" in diagram(shown.text)
    assert _stored(world, draft_url) == before


def test_preview_with_htmx_answers_the_diagram_and_each_fields_message(
    client, manager, world, draft_url
) -> None:
    fields = form_fields(client.get(draft_url, headers=manager).text, draft_url)
    # Removing the second stage renumbers the rest: messages still land on the rows posted.
    fields = changed(fields, stages__1__remove="1")
    shown = client.post(
        f"{draft_url}/preview", data=MultiDict(fields), headers={**manager, "HX-Request": "true"}
    )
    assert shown.status_code == 200
    assert "Skip to content" not in shown.text  # a fragment, not a page
    assert 'data-stage="identification"' not in diagram(shown.text)
    assert 'id="tpm-summary" hx-swap-oob="true"' in shown.text
    dest = next(
        i
        for i, t in enumerate(
            workflow_versions.published_definition(world.program.workflow_key, 1)["transitions"]
        )
        if t["dest"] == "identification"
    )
    assert "unknown stage 'identification'" in error_beside(shown.text, f"transitions-{dest}-dest")
    assert 'id="err-name" hx-swap-oob="true" hidden' in shown.text  # cleared where fine


def test_publishing_makes_version_two_and_offers_the_migration(
    client, manager, world, draft_url
) -> None:
    published = client.post(f"{draft_url}/publish", data={"csrf_token": TOKEN}, headers=manager)
    assert published.status_code == 303
    key = world.program.workflow_key
    assert published.headers["Location"].endswith(f"{key}/versions/2/migrate?published=1")
    assert (
        workflow_versions.list_versions(factories.actor(world.manager_user), key)[-1].version == 2
    )
    offer = client.get(published.headers["Location"], headers=manager)
    assert "Version 2 is published" in offer.text
    assert f"Partnership {world.partnership.id}" in offer.text


def test_publishing_a_draft_behind_a_newer_version_is_a_409_page(
    client, manager, world, draft_url
) -> None:
    key = world.program.workflow_key
    second = client.post(f"{PAGES}/{key}/drafts", data={"csrf_token": TOKEN}, headers=manager)
    client.post(
        f"{second.headers['Location']}/publish", data={"csrf_token": TOKEN}, headers=manager
    )
    versions = factories.row_count(WorkflowVersion)
    refused = client.post(f"{draft_url}/publish", data={"csrf_token": TOKEN}, headers=manager)
    assert refused.status_code == 409 and "make a new draft" in refused.text
    assert factories.row_count(WorkflowVersion) == versions


def test_saving_without_the_csrf_token_is_refused(client, manager, world, draft_url) -> None:
    before = _stored(world, draft_url)
    fields = form_fields(client.get(draft_url, headers=manager).text, draft_url)
    fields = [(n, v) for n, v in changed(fields, name="Renamed") if n != "csrf_token"]
    refused = client.post(draft_url, data=MultiDict(fields), headers=manager)
    assert refused.status_code == 400
    assert _stored(world, draft_url) == before
