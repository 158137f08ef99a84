"""Every page in Spanish: the catalog is complete and current, and no page shows an English
string of the plugin's to someone reading Spanish."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from tests import factories
from tpm_plugin.blueprints.pages import page_routes
from tpm_plugin.blueprints.pages.static import ENDPOINT as STATIC_ENDPOINT
from tpm_plugin.i18n_workflow import SHIPPED_STAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "tpm_plugin" / "translations"


def _catalog(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def _msgids(catalog) -> set[str]:
    return {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id
    }


def test_every_string_has_a_spanish_translation() -> None:
    spanish = _catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "tpm.po")
    template = _msgids(_catalog(TRANSLATIONS / "tpm.pot"))
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in spanish
        if m.id and (m.string if isinstance(m.string, str) else all(m.string)) and not m.fuzzy
    }
    assert template - translated == set(), "run `make translations` and fill these in es"


def test_the_catalog_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    pybabel = Path(sys.executable).with_name("pybabel")
    fresh = tmp_path / "tpm.pot"
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_", "-k", "gettext",
         "-k", "ngettext:1,2", "-k", "lazy_gettext", "--no-location", "-o", str(fresh), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    committed = _msgids(_catalog(TRANSLATIONS / "tpm.pot"))
    assert _msgids(_catalog(fresh)) == committed, "run `make translations`"


def _english_strings() -> list[str]:
    """Msgids whose Spanish differs (placeholders cut out: each fixed part is checked, but
    not a part that is itself a msgid Spanish writes the same, such as "Supervisor")."""
    spanish = _catalog(TRANSLATIONS / "es" / "LC_MESSAGES" / "tpm.po")
    strings, same = [], set()
    for message in spanish:
        singular = message.id if isinstance(message.id, str) else message.id[0]
        translation = message.string if isinstance(message.string, str) else message.string[0]
        if not singular or translation == singular:
            same.add(singular)
            continue
        strings += [part.strip() for part in re.split(r"%\(\w+\)\w", singular)]
    # A shipped stage's key is English too: a page names the stage by its translated label.
    strings += list(SHIPPED_STAGES)
    return [text for text in strings if len(text) >= 4 and text not in same]


def _data_strings(made: factories.World) -> list[str]:
    """What a page shows that is data, not the plugin's text: people's names, the program's
    name and the workflow's name. The shipped workflow's stage and transition labels are not
    data: a page shows them in the viewer's language (a program's own labels would be)."""
    workflow = json.loads((ROOT / "tpm_plugin/workflows/therapeutic_partnership.json").read_text())
    names = [made.client.display_name, made.partner.display_name, made.supervisor.display_name]
    names.append(made.client.display_name.split()[0])  # what a partner sees: the first name
    return sorted({workflow["name"], made.program.name, *names}, key=len, reverse=True)


def _shows(text: str, string: str) -> bool:
    # A whole phrase, not a piece of a longer word ("Version" in "Versiones").
    return re.search(rf"(?<!\w){re.escape(string)}(?!\w)", text) is not None


def _visible_text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    attributes = re.findall(r'(?:aria-label|placeholder|title|alt)="([^"]*)"', page)
    # A value is shown on buttons only; a radio's or an option's value is a code.
    for tag in re.findall(r"<input\b[^>]*>", page):
        if re.search(r'type="(?:submit|button|reset)"', tag):
            attributes += re.findall(r'value="([^"]*)"', tag)
    attributes = " ".join(attributes)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes).split())


def _page_paths(made: factories.World) -> list[str]:
    """A path of every GET page, its ids taken from ``made`` (1 for ids it has none of)."""
    ids = {
        "partnership_id": made.partnership.id,
        "program_id": made.program.id,
        "partner_id": made.partner.id,
        "supervisor_id": made.supervisor.id,
        "client_id": made.client.id,
        "workflow_key": made.program.workflow_key,
        "key": made.program.workflow_key,
        "version": 1,
    }
    paths = []
    for route in page_routes():
        if "GET" not in route.methods or route.endpoint == STATIC_ENDPOINT:
            continue
        values = {name: ids.get(name, 1) for name in page_routes().arguments(route.endpoint)}
        paths.append("/" + page_routes().path_for(route.endpoint, **values))
    return paths


@pytest.mark.parametrize("role", ["manager_user", "supervisor_user", "partner_user"])
def test_every_page_in_spanish_shows_no_english_string(app: Flask, client, role: str) -> None:
    made = factories.world()
    english = _english_strings()
    headers = {**factories.as_user(getattr(made, role)), "Accept-Language": "es"}
    for path in _page_paths(made):
        response = client.get(f"/tpm{path}", headers=headers)
        if response.status_code in (301, 302, 303):
            continue  # a page that redirects renders nothing itself
        assert response.mimetype == "text/html", path
        body = response.get_data(as_text=True)
        assert 'lang="es"' in body, path
        text = _visible_text(body)
        for data in _data_strings(made):
            text = text.replace(data, " ")
        left = [string for string in english if _shows(text, string)]
        assert not left, f"{path} as {role} shows English: {left}"
