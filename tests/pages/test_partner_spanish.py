"""Every partner page in Spanish: none of the pages' own English strings is left."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from flask import Flask

from tests import factories
from tests.pages.partner_pages import post_form, scheduled_meeting
from tpm_plugin.services import identification, transitions

PLUGIN = Path(__file__).resolve().parents[2] / "tpm_plugin"
SOURCES = [
    *sorted((PLUGIN / "templates" / "tpm" / "pages" / "partner").glob("*.html")),
    *sorted((PLUGIN / "blueprints" / "pages").glob("partner*.py")),
]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None}


def _english_strings() -> set[str]:
    """The partner pages' own msgids (placeholders cut off: the text before one)."""
    found = set()
    for path in SOURCES:
        method = "python" if path.suffix == ".py" else "jinja2.ext:babel_extract"
        for _, message, _, _ in extract_from_file(method, str(path), keywords=KEYWORDS):
            text = message[0] if isinstance(message, tuple) else message
            text = text.split("%(")[0].strip()
            if len(text) > 6:  # short words ("Plan") may read the same in Spanish
                found.add(text)
    return found


def test_the_partner_pages_have_strings_to_check() -> None:
    assert len(_english_strings()) > 60


@pytest.mark.parametrize("page", ["home", "meeting", "partnership", "plan", "calendar"])
def test_every_partner_page_renders_in_spanish(app: Flask, client, page: str) -> None:
    world = factories.world(started_at=factories.LONG_AGO)
    manager = factories.actor(world.manager_user)
    transitions.fire(manager, world.partnership.id, "begin_identification")
    identification.add_entry(
        manager,
        world.partnership.id,
        {"kind": "others_report", "domain": "school", "statement": "x", "source": "teacher"},
    )
    meeting = scheduled_meeting(world)
    headers = {**factories.as_user(world.partner_user), "Accept-Language": "es"}
    pid = world.partnership.id
    urls = {
        "home": "/tpm/partner?notice=meeting_logged",
        "meeting": f"/tpm/partner/meetings/{meeting.id}",
        "partnership": f"/tpm/partner/partnerships/{pid}",
        "plan": f"/tpm/partner/partnerships/{pid}/plan",
        "calendar": "/tpm/partner/calendar",
    }
    response = client.get(urls[page], headers=headers)
    assert response.status_code == 200
    bodies = [response.get_data(as_text=True)]
    if page == "calendar":
        made = post_form(client, "/tpm/partner/calendar/link", headers, {}, form_at=urls[page])
        bodies.append(made.get_data(as_text=True))
    if page == "meeting":
        refused = post_form(client, urls[page], headers, {"outcome": "maybe"})
        bodies.append(refused.get_data(as_text=True))
    for body in bodies:
        left = sorted(text for text in _english_strings() if text in html.unescape(body))
        assert left == []
        assert 'lang="es"' in body
