"""Which language the pages and messages speak: the host's selector, else the person's own
choice, else their program's, else the browser's, else English."""

from __future__ import annotations

from flask import Flask
from flask_babel import Babel

from tests import factories
from tpm_plugin.contacts import PARTNER, contact_from_tpm_tables
from tpm_plugin.models import Partner
from tpm_plugin.services import people
from tpm_plugin.services.notifications.messages import render_message

API = "/tpm/api"
ENGLISH = {"Accept-Language": "en"}


def _home(client, user_id: str, **headers: str) -> str:
    page = client.get("/tpm/", headers={**factories.as_user(user_id), **headers})
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_partners_preferred_language_wins_over_the_browsers(app: Flask, client) -> None:
    made = factories.world()
    people.update_person(
        factories.actor(made.manager_user),
        people.PARTNERS,
        made.partner.id,
        {"preferred_language": "es"},
    )
    body = _home(client, made.partner_user, **ENGLISH)
    assert "Mis páginas" in body and 'lang="es"' in body
    assert "Mis páginas" not in _home(client, made.supervisor_user, **ENGLISH)


def test_the_programs_language_covers_people_who_chose_none(app: Flask, client) -> None:
    made = factories.world(language="es")
    assert "Mis páginas" in _home(client, made.manager_user, **ENGLISH)
    assert "Mis páginas" in _home(client, made.supervisor_user, **ENGLISH)


def test_without_any_choice_the_browser_decides_else_english(app: Flask, client) -> None:
    made = factories.world()
    assert "Mis páginas" in _home(client, made.partner_user, **{"Accept-Language": "es-MX"})
    assert "My pages" in _home(client, made.partner_user, **{"Accept-Language": "fr"})


def test_the_hosts_own_locale_selector_wins(app: Flask, client) -> None:
    made = factories.world(language="es")
    Babel(app, locale_selector=lambda: "en")  # the host sets up Flask-Babel after the plugin
    assert "My pages" in _home(client, made.manager_user, **{"Accept-Language": "es"})


def test_the_api_sets_a_partners_language_and_refuses_an_unknown_one(app: Flask, client) -> None:
    made = factories.world()
    headers = factories.as_user(made.manager_user)
    url = f"{API}/partners/{made.partner.id}"
    refused = client.patch(url, json={"preferred_language": "fr"}, headers=headers)
    assert refused.status_code == 422
    assert list(refused.json["error"]["fields"]) == ["preferred_language"]
    assert (
        people.get_person(
            factories.actor(made.manager_user), people.PARTNERS, made.partner.id
        ).preferred_language
        is None
    )
    accepted = client.patch(url, json={"preferred_language": "es"}, headers=headers)
    assert accepted.status_code == 200 and accepted.json["preferred_language"] == "es"


def test_the_api_sets_a_programs_language(app: Flask, client) -> None:
    made = factories.world()
    headers = factories.as_user(made.manager_user)
    url = f"{API}/programs/{made.program.id}"
    refused = client.patch(url, json={"language": "xx"}, headers=headers)
    assert refused.status_code == 422 and list(refused.json["error"]["fields"]) == ["language"]
    assert client.patch(url, json={"language": "es"}, headers=headers).json["language"] == "es"


def test_a_reminder_goes_out_in_spanish_to_a_partner_who_reads_spanish(app: Flask) -> None:
    made = factories.world()
    people.update_person(
        factories.actor(made.manager_user),
        people.PARTNERS,
        made.partner.id,
        {"preferred_language": "es", "contact": "pia@example.org", "display_name": "Pia L."},
    )
    contact = contact_from_tpm_tables(PARTNER, made.partner.id)
    assert contact.language == "es"
    context = {"starts_at": "martes 16:00", "lead": "1 hora"}
    subject, body = render_message(
        "meeting_reminder", context, contact.first_name, contact.language
    )
    assert subject == "Recordatorio de encuentro"
    assert body.startswith("Hola, Pia:")
    assert "le recordamos que tiene un encuentro el martes 16:00 (dentro de 1 hora)." in body
    english = render_message("meeting_reminder", context, "Pia", None)
    assert english[0] == "Meeting reminder"


def test_a_guardian_gets_the_familys_language_else_the_programs(app: Flask) -> None:
    made = factories.world(language="es")
    family = factories.client(
        made.program, is_minor=True, guardian_name="Luz M.", guardian_contact="luz@example.org",
        preferred_language="en",
    )  # fmt: skip
    assert contact_from_tpm_tables("guardian", family.id).language == "en"
    other = factories.client(
        made.program, guardian_contact="x@example.org", preferred_language="de"
    )
    assert contact_from_tpm_tables("guardian", other.id).language == "es"
    assert factories.row_count(Partner) >= 1
