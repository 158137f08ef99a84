"""The manager's stage editor, migration, intake review and people pages in Spanish: no
English string of theirs is left (the services' own messages are the API's and stay as
they are)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from tests import factories
from tests import intake_helpers as intake
from tests.test_workflow_versions import _publish

from .test_manager_editor import TOKEN, changed, form_fields, with_token
from .test_manager_editor_migrate import _renamed_start

TEMPLATES = Path(__file__).parents[2] / "tpm_plugin/templates/tpm/pages/manager"
SPANISH = {"Accept-Language": "es"}


def _english_phrases() -> dict[str, re.Pattern[str]]:
    """Every string of two words or more our templates translate, as a pattern with its
    placeholders open (single words like "Supervisor" are the same in both languages)."""
    phrases = {}
    for template in TEMPLATES.glob("*.html"):
        for msgid in re.findall(r'_\("([^"]+)"', template.read_text()):
            if " " in msgid:
                phrases[msgid] = re.compile(_pattern(msgid))
    return phrases


#: Placeholders that always hold a number (the others hold any word).
_NUMBERS = frozenset({"id", "num", "version", "next", "number", "source", "shown", "total"})


def _pattern(msgid: str) -> str:
    pieces = re.split(r"%\((\w+)\)[sd]", msgid)
    pattern = re.escape(pieces[0])
    for name, literal in zip(pieces[1::2], pieces[2::2], strict=True):
        pattern += (r"\d+" if name in _NUMBERS else r"\S+?") + re.escape(literal)
    return pattern


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts.extend(v or "" for k, v in attrs if k in ("aria-label", "title", "alt"))


def _untranslated(html: str) -> list[str]:
    reader = _Text()
    reader.feed(html)
    text = " ".join(" ".join(reader.parts).split())
    return sorted(msgid for msgid, found in _english_phrases().items() if found.search(text))


@pytest.fixture
def world(app: Flask) -> factories.World:
    return factories.world()


def test_every_manager_page_of_this_area_speaks_spanish(client, world) -> None:
    with_token(client)
    manager = {**factories.as_user(world.manager_user), **SPANISH}
    key = world.program.workflow_key
    pages = {"workflows": client.get("/tpm/manager/workflows", headers=manager)}
    draft_url = client.post(
        f"/tpm/manager/workflows/{key}/drafts", data={"csrf_token": TOKEN}, headers=manager
    ).headers["Location"]
    pages["draft"] = client.get(draft_url, headers=manager)
    fields = form_fields(pages["draft"].text, draft_url)
    bad = MultiDict(changed(fields, transitions__0__dest="nowhere"))
    pages["draft refused"] = client.post(draft_url, data=bad, headers=manager)
    pages["preview"] = client.post(
        f"{draft_url}/preview", data=bad, headers={**manager, "HX-Request": "true"}
    )
    version = _publish(client, factories.as_user(world.manager_user), _renamed_start(), key)
    migrate_url = f"/tpm/manager/workflows/{key}/versions/{version}/migrate"
    pages["migrate"] = client.get(migrate_url, headers=manager)
    move = [*form_fields(pages["migrate"].text, migrate_url), ("action", "migrate")]
    pages["migrate refused"] = client.post(migrate_url, data=MultiDict(move), headers=manager)
    move.append(("map-referred", "waiting"))
    pages["migrated"] = client.post(migrate_url, data=MultiDict(move), headers=manager)

    issued = intake.source(program=world.program)
    intake.deliver(client, issued, intake.standard_payload())
    flagged = intake.deliver(client, issued, intake.standard_payload()).json["intake_record_id"]
    nameless = intake.standard_payload()
    del nameless["client"]["first_name"], nameless["client"]["last_name"]
    letter = intake.deliver(client, issued, nameless).json["error"]["dead_letter_id"]
    with_token(client)
    pages["intake"] = client.get("/tpm/manager/intake", headers=manager)
    pages["intake replay refused"] = client.post(
        f"/tpm/manager/intake/dead-letters/{letter}/replay",
        data={"csrf_token": TOKEN},
        headers=manager,
    )
    decide = f"/tpm/manager/intake/duplicates/{flagged}/resolution"
    pages["duplicate refused"] = client.post(decide, data={"csrf_token": TOKEN}, headers=manager)
    pages["duplicate resolved, htmx"] = client.post(
        decide,
        data={"csrf_token": TOKEN, "choice": "distinct"},
        headers={**manager, "HX-Request": "true"},
    )
    pages["people"] = client.get("/tpm/manager/people", headers=manager)
    pages["people refused"] = client.post(
        f"/tpm/manager/people/{world.program.id}",
        data={"csrf_token": TOKEN, "role": "x", "user": "", "display_name": ""},
        headers=manager,
    )

    expected = {"draft refused": 422, "migrate refused": 422, "intake replay refused": 422}
    expected["people refused"] = expected["duplicate refused"] = 422
    for name, page in pages.items():
        assert page.status_code == expected.get(name, 200), name
        assert _untranslated(page.text) == [], name
    assert "Editor de etapas" in pages["workflows"].text
    assert "Envíos fallidos" in pages["intake"].text
    assert "Personas y funciones" in pages["people"].text
