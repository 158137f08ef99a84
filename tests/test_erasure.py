"""Erasure erases everything that identifies a client, wherever it was stored: a client with
every kind of record, made through the API (idempotency keys included), is erased, and a dump
of every plugin table holds none of their strings. Their partnerships end and take no new
care data."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text

from tpm_plugin.models import Partnership, metadata

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
CLIENT = {
    "display_name": "Mira Kowalczyk",
    "date_of_birth": "2013-04-17",
    "guardian_name": "Ilse Kowalczyk",
    "guardian_contact": "ilse.kowalczyk@example.org",
    "preferred_language": "pl-Silesia",
    "host_user_id": "mira-login-7731",
}
NOTES = (
    "wants to ride horses at Lindenhof",
    "breaks at the Rosenweg bus stop",
    "after the Tuesday swim class",
    "a fight with brother Jonas",
    "teacher Frau Albrecht",
    "baked Zwetschgenkuchen together",
    "talked about Hamburg",
    "plan around the Lindenhof horses",
    "groom the pony Kasimir",
    "grandmother Hedwig Kowalczyk",
    "partner worried about Jonas",
    "family moved to Hamburg",
    "more afternoons at Lindenhof",
)
#: Every string that identifies the client, as the dump must not contain it.
SECRETS = (*[v for k, v in CLIENT.items() if k != "date_of_birth"], "2013-04-17", *NOTES)


@pytest.fixture
def app(app_without_context: Flask) -> Flask:
    return app_without_context


class _Api:
    def __init__(self, client: Any, user: str, prefix: str = "erasure") -> None:
        self.client, self.user, self.keys, self.prefix = client, user, 0, prefix

    def post(self, path: str, body: dict | None = None, status: int = 201) -> dict:
        self.keys += 1
        headers = {**as_user(self.user), "Idempotency-Key": f"{self.prefix}-{self.keys}"}
        response = self.client.post(f"{API}{path}", json=body or {}, headers=headers)
        assert response.status_code == status, response.json
        return response.json


def _client_with_every_record(app: Flask, client: Any) -> tuple[dict, int, str]:
    with app.app_context():
        made = factories.world()
        program_id, partner_id = made.program.id, made.partner.id
        supervisor_id, manager = made.supervisor.id, made.manager_user
    api = _Api(client, manager)
    person = api.post("/clients", {"program_id": program_id, **CLIENT})
    pid = api.post(
        "/partnerships",
        {
            "program_id": program_id,
            "client_id": person["id"],
            "partner_id": partner_id,
            "supervisor_id": supervisor_id,
            "started_at": "2024-01-01T00:00:00+00:00",
        },
    )["id"]
    api.post(f"/partnerships/{pid}/transitions", {"trigger": "begin_identification"}, 200)
    voice = api.post(
        f"/partnerships/{pid}/identification-entries",
        {"kind": "client_voice", "domain": "play", "statement": NOTES[0]},
    )
    seen = api.post(
        f"/partnerships/{pid}/identification-entries",
        {
            "kind": "observation",
            "domain": "others",
            "statement": NOTES[3],
            "breaks_where": NOTES[1],
            "breaks_when": NOTES[2],
            "how_it_broke": NOTES[3],
        },
    )
    api.post(
        f"/partnerships/{pid}/identification-entries",
        {"kind": "others_report", "domain": "school", "statement": NOTES[4], "source": NOTES[4]},
    )
    api.post(f"/partnerships/{pid}/transitions", {"trigger": "begin_planning"}, 200)
    api.post(
        f"/partnerships/{pid}/plans",
        {
            "summary": NOTES[7],
            "activities": [
                {
                    "domain": "play",
                    "aim": NOTES[8],
                    "description": NOTES[12],
                    "answers": [voice["id"], seen["id"]],
                }
            ],
        },
    )
    api.post(f"/partnerships/{pid}/transitions", {"trigger": "activate"}, 200)
    api.post(
        f"/partnerships/{pid}/meetings",
        {
            "scheduled_at": "2024-03-05T16:00:00+01:00",
            "status": "held",
            "minutes": 50,
            "experience_note": NOTES[5],
        },
    )
    api.post(
        "/supervision-sessions",
        {
            "supervisor_id": supervisor_id,
            "partner_id": partner_id,
            "scheduled_at": "2024-03-06T10:00:00+01:00",
            "status": "held",
            "held_minutes": 20,
            "notes": NOTES[10],
            "partnership_ids": [pid],
        },
    )
    api.post(
        f"/partnerships/{pid}/reviews",
        {
            "held_at": "2024-03-07T10:00:00+01:00",
            "participants": [NOTES[9]],
            "discussion": NOTES[6],
            "changes_decided": NOTES[12],
            "outcome": "continue",
            "ratings": [{"domain": "play", "rating": 4}],
        },
    )
    api.post(
        f"/partnerships/{pid}/transitions", {"trigger": "put_on_hold", "reason": NOTES[11]}, 200
    )
    with app.app_context():
        client.get(f"{API}/clients/{person['id']}/export", headers=as_user(manager))
    return person, pid, manager


def _dump(app: Flask) -> str:
    """Every row of every plugin table, as text."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        names = [n for n in inspect(engine).get_table_names() if n.startswith("tpm_")]
        assert set(metadata.tables) <= set(names)
        lines = []
        with engine.connect() as connection:
            for name in names:
                if engine.dialect.name == "postgresql":
                    rows = connection.execute(text(f'SELECT CAST(t AS text) FROM "{name}" t'))
                else:
                    rows = connection.execute(text(f'SELECT * FROM "{name}"'))
                lines.extend(f"{name}: {tuple(row)}" for row in rows)
        return "\n".join(lines)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_dump_of_every_table_after_erasure_holds_none_of_the_clients_strings(
    app: Flask, client
) -> None:
    person, _, manager = _client_with_every_record(app, client)
    before = _dump(app)
    assert all(secret in before for secret in SECRETS), "the test must store every string"

    erased = client.post(f"{API}/clients/{person['id']}/erase", headers=as_user(manager))

    assert erased.status_code == 200
    after = _dump(app)
    assert [secret for secret in SECRETS if secret in after] == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_erased_clients_partnerships_end_and_refuse_new_care_data(app: Flask, client) -> None:
    person, pid, manager = _client_with_every_record(app, client)
    client.post(f"{API}/clients/{person['id']}/erase", headers=as_user(manager))
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        assert session.scalar(select(Partnership.ended_at).where(Partnership.id == pid))
        entry_id = session.scalar(
            text("SELECT min(id) FROM tpm_identification_entries WHERE partnership_id = :p"),
            {"p": pid},
        )
    api = _Api(client, manager, "after-erasure")
    new_entry = api.post(
        f"/partnerships/{pid}/identification-entries",
        {"kind": "client_voice", "domain": "play", "statement": "A new note."},
        422,
    )
    correction = api.post(
        f"/partnerships/{pid}/identification-entries",
        {
            "kind": "client_voice",
            "domain": "play",
            "statement": "Fixed.",
            "supersedes_id": entry_id,
        },
        422,
    )
    meeting = api.post(
        f"/partnerships/{pid}/meetings",
        {"scheduled_at": "2024-04-05T16:00:00+01:00", "status": "held", "minutes": 5},
        422,
    )
    transition = api.post(f"/partnerships/{pid}/transitions", {"trigger": "resume_active"}, 409)
    for refused in (new_entry, correction, meeting):
        assert refused["error"]["code"] == "partnership_closed"
        assert list(refused["error"]["fields"]) == ["partnership_id"]
    assert transition["error"]["code"] == "partnership_closed"
