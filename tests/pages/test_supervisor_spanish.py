"""Every supervisor page in Spanish: none of the pages' own English sentences is left (the
workflow's stage names and labels are a program's data, not the pages' strings)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from tests import factories
from tpm_plugin.models import Partner, SupervisionSession

from .supervisor_helpers import token
from .test_supervisor_misses import _missed_a_week
from .test_supervisor_reviews import _in_review
from .test_supervisor_week import _placed_week

PACKAGE = Path(__file__).resolve().parents[2] / "tpm_plugin"
SOURCES = [
    *sorted((PACKAGE / "templates/tpm/pages/supervisor").glob("*.html")),
    *sorted((PACKAGE / "blueprints/pages").glob("supervisor*.py")),
]
CATALOG = PACKAGE / "translations/es/LC_MESSAGES/tpm.po"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
SPANISH = {"Accept-Language": "es"}
_PLACEHOLDER = re.compile(r"%\(\w+\)s")
_TAG = re.compile(r"<[^>]+>")


def _english_fragments() -> set[str]:
    """The literal parts (between placeholders) of every sentence the pages own, long enough
    to be telling, unless Spanish writes them the same (``supervisor``)."""
    catalog = read_po(CATALOG.open("rb"))
    fragments = set()
    for path in SOURCES:
        method = "jinja2" if path.suffix == ".html" else "python"
        for _, message, _, _ in extract_from_file(method, str(path), keywords=KEYWORDS):
            found = catalog.get(message[0] if isinstance(message, tuple) else message)
            spanish = " ".join(found.string) if isinstance(found.string, tuple) else found.string
            for text in message if isinstance(message, tuple) else (message,):
                fragments.update(
                    part.strip()
                    for part in _PLACEHOLDER.split(text)
                    if len(part.strip()) > 5 and part.strip() not in spanish
                )
    return fragments


def _visible(page) -> str:
    return html.unescape(_TAG.sub(" ", page.get_data(as_text=True)))


def _assert_spanish(page, *names: str) -> None:
    """``page`` has none of the pages' English; ``names`` (people's, which are data) are
    left out of the check."""
    assert page.status_code in (200, 409, 422), page.status_code
    text = " ".join(_visible(page).split())
    for name in names:
        text = text.replace(name, "")
    left = sorted(f for f in _english_fragments() if f in text)
    assert left == [], f"English left on a Spanish page: {left}"


def test_the_sentences_are_found() -> None:
    assert "Log the session" in _english_fragments()


@pytest.mark.usefixtures("app")
def test_the_week_in_spanish(client) -> None:
    made, other, monday = _placed_week()
    unplaced = factories.session().get(Partner, other.partner_id).display_name
    page = client.get(
        f"/tpm/supervisor/week?date={monday}&logged=1",
        headers={**factories.as_user(made.supervisor_user), **SPANISH},
    )
    assert "Mi semana de supervisión" in page.get_data(as_text=True)
    _assert_spanish(page, made.partner.display_name, unplaced)


@pytest.mark.usefixtures("app")
def test_the_misses_in_spanish(client) -> None:
    made = _missed_a_week()
    page = client.get(
        "/tpm/supervisor/misses", headers={**factories.as_user(made.supervisor_user), **SPANISH}
    )
    body = page.get_data(as_text=True)
    assert "1 semana por debajo de la meta" in body
    assert "<td>9 mar 2026</td>" in body  # the week, as Spanish writes dates
    _assert_spanish(page)


@pytest.mark.usefixtures("app")
def test_the_supervision_form_and_its_errors_in_spanish(client) -> None:
    made = factories.world()
    url = f"/tpm/supervisor/partners/{made.partner.id}/supervision"
    headers = {**factories.as_user(made.supervisor_user), **SPANISH}
    _assert_spanish(client.get(url, headers=headers), made.partner.display_name)
    refused = client.post(
        url,
        data={
            "csrf_token": token(client, url, made.supervisor_user),
            "held_at": "ayer",
            f"minutes-{made.partnership.id}": "mucho",
            "notes": "x" * 10,
        },
        headers=headers,
    )
    assert refused.status_code == 422
    assert "Indique minutos enteros del 0 al 480." in refused.get_data(as_text=True)
    _assert_spanish(refused, made.partner.display_name)
    assert factories.row_count(SupervisionSession) == 0


@pytest.mark.usefixtures("app")
def test_the_review_form_and_its_errors_in_spanish(client) -> None:
    made = _in_review()
    url = f"/tpm/partnerships/{made.partnership.id}/review"
    headers = {**factories.as_user(made.supervisor_user), **SPANISH}
    _assert_spanish(client.get(url, headers=headers))
    refused = client.post(
        url, data={"csrf_token": token(client, url, made.supervisor_user)}, headers=headers
    )
    assert refused.status_code == 422
    _assert_spanish(refused)


@pytest.mark.usefixtures("app")
def test_the_stage_page_and_its_messages_in_spanish(client) -> None:
    made = factories.world()
    url = f"/tpm/partnerships/{made.partnership.id}/stage"
    headers = {**factories.as_user(made.partner_user), **SPANISH}
    page = client.get(url, headers=headers)
    assert "Aún no es posible, y por qué" in page.get_data(as_text=True)
    _assert_spanish(page)
    manager = {**factories.as_user(made.manager_user), **SPANISH}
    stale = client.post(
        url,
        data={
            "csrf_token": token(client, url, made.manager_user),
            "trigger": "put_on_hold",
            "expected_stage": "nowhere",
            "reason": "Familia de viaje.",
        },
        headers=manager,
    )
    assert stale.status_code == 409
    _assert_spanish(stale)
    no_reason = client.post(
        url,
        data={
            "csrf_token": token(client, url, made.manager_user),
            "trigger": "withdraw",
            "expected_stage": made.partnership.stage,
        },
        headers=manager,
    )
    assert no_reason.status_code == 422
    _assert_spanish(no_reason)
