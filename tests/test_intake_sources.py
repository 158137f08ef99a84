"""Intake sources and dead letters, as program managers configure and fix them (API and
``flask tpm intake``), and what erasing a client leaves of their intake."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tpm_plugin.models import IntakeDeadLetter, IntakeRecord, IntakeSource, WebhookDelivery
from tpm_plugin.services._unit import session

from . import factories
from . import intake_helpers as intake

SOURCES = "/tpm/api/intake/sources"


def _new_source(client, program, **overrides):
    body = {
        "key": "referrals",
        "kind": "standard_webhooks",
        "program_id": program.id,
        "mapping": {"first_name": "client.first_name", "last_name": "client.last_name"},
        **overrides,
    }
    return client.post(
        SOURCES, json=body, headers=factories.as_user(factories.program_manager_of(program))
    )


def test_manager_creates_a_source_and_sees_its_secret_only_once(app, client):
    program = factories.program()
    created = _new_source(client, program)
    assert created.status_code == 201
    assert created.json["secret"].startswith("whsec_")
    shown = client.get(
        f"{SOURCES}/{created.json['id']}",
        headers=factories.as_user(factories.program_manager_of(program)),
    )
    assert shown.status_code == 200
    assert "secret" not in shown.json and created.json["secret"] not in json.dumps(shown.json)
    listed = client.get(SOURCES, headers=factories.as_user(factories.program_manager_of(program)))
    assert created.json["secret"] not in json.dumps(listed.json)


def test_token_source_keeps_only_a_digest_of_its_url_token(app, client):
    program = factories.program()
    created = _new_source(client, program, kind="jotform", key="jot")
    token = created.json["url_token"]
    stored = session().scalars(select(IntakeSource.secret)).one()
    assert token and token not in stored and len(stored) == 64


def test_mapping_problems_are_named_by_path_with_a_suggestion(app, client):
    program = factories.program()
    response = _new_source(
        client, program, mapping={"frist_name": "q1", "school": "", "last_name": "q2"}
    )
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert fields["mapping.frist_name"] == [
        "Unknown target 'frist_name'. Did you mean 'first_name'?"
    ]
    assert "mapping.school" in fields
    assert any("display_name" in text for text in fields["mapping"])
    assert session().scalar(select(func.count()).select_from(IntakeSource)) == 0


def test_unknown_kind_and_short_secret_are_refused(app, client):
    program = factories.program()
    response = _new_source(client, program, kind="surveymonkey", secret="short")
    assert set(response.json["error"]["fields"]) == {"kind", "secret"}


def test_duplicate_source_key_answers_409(app, client):
    program = factories.program()
    _new_source(client, program)
    assert _new_source(client, program).status_code == 409


def test_source_for_a_program_not_managed_is_refused(app, client):
    mine, theirs = factories.program(), factories.program()
    response = client.post(
        SOURCES,
        json={
            "key": "x",
            "kind": "tally",
            "program_id": theirs.id,
            "mapping": {"display_name": "q"},
        },
        headers=factories.as_user(factories.program_manager_of(mine)),
    )
    assert response.status_code == 422 and "program_id" in response.json["error"]["fields"]


def test_another_programs_manager_gets_404_and_a_partner_403(app, client):
    world = factories.world()
    created = _new_source(client, world.program)
    other = factories.program()
    outsider = client.get(
        f"{SOURCES}/{created.json['id']}",
        headers=factories.as_user(factories.program_manager_of(other)),
    )
    assert outsider.status_code == 404
    partner = client.get(SOURCES, headers=factories.as_user(world.partner_user))
    assert partner.status_code == 403
    assert client.get(SOURCES).status_code == 401


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_accepted(app, client):
    program = factories.program()
    manager = factories.as_user(factories.program_manager_of(program))
    created = _new_source(client, program)
    rotated = client.post(f"{SOURCES}/{created.json['id']}/secret", json={}, headers=manager)
    assert rotated.status_code == 200
    assert rotated.json["secret"] != created.json["secret"]
    assert rotated.json["accepts_previous_secret"] is True


# --- dead letters ------------------------------------------------------------------------


def test_manager_fixes_the_mapping_and_replays_a_dead_letter(app, client):
    issued = intake.source(kind="tally")
    payload = intake.tally_payload()
    for item in payload["data"]["fields"]:  # the form's author renamed the name fields
        item["key"] = (
            item["key"]
            .replace("question_first", "question_given")
            .replace("question_last", "question_family")
        )
    failed = intake.deliver(client, issued, payload)
    assert failed.status_code == 422
    manager = factories.as_user(intake.manager_of(issued).user_id)
    letters = client.get("/tpm/api/intake/dead-letters", headers=manager)
    assert letters.json["total"] == 1
    letter = letters.json["items"][0]
    assert letter["problems"] == failed.json["error"]["fields"] and "body" not in letter
    fixed = {
        **intake.MAPPINGS["tally"],
        "first_name": "question_given",
        "last_name": "question_family",
    }
    assert (
        client.patch(
            f"{SOURCES}/{issued.source.id}", json={"mapping": fixed}, headers=manager
        ).status_code
        == 200
    )
    replayed = client.post(f"/tpm/api/intake/dead-letters/{letter['id']}/replay", headers=manager)
    assert replayed.status_code == 201
    assert replayed.json["client_id"]
    again = intake.deliver(client, issued, payload)  # Tally retries the same event
    assert again.status_code == 201 and again.json["client_id"] == replayed.json["client_id"]
    assert (
        client.post(
            f"/tpm/api/intake/dead-letters/{letter['id']}/replay", headers=manager
        ).status_code
        == 409
    )
    assert session().get(IntakeDeadLetter, letter["id"]).body is None


def test_replay_that_still_does_not_fit_answers_422_and_keeps_the_letter(app, client):
    issued = intake.source()
    payload = intake.standard_payload()
    del payload["client"]["first_name"], payload["client"]["last_name"]
    failed = intake.deliver(client, issued, payload)
    manager = factories.as_user(intake.manager_of(issued).user_id)
    letter_id = failed.json["error"]["dead_letter_id"]
    again = client.post(f"/tpm/api/intake/dead-letters/{letter_id}/replay", headers=manager)
    assert again.status_code == 422
    assert session().get(IntakeDeadLetter, letter_id).status == "waiting"


def test_another_programs_manager_cannot_see_or_replay_a_dead_letter(app, client):
    issued = intake.source()
    failed = intake.deliver(client, issued, intake.standard_payload(date_of_birth="soon"))
    other = factories.as_user(factories.program_manager_of(factories.program()))
    assert client.get("/tpm/api/intake/dead-letters", headers=other).json["total"] == 0
    letter_id = failed.json["error"]["dead_letter_id"]
    assert (
        client.post(f"/tpm/api/intake/dead-letters/{letter_id}/replay", headers=other).status_code
        == 404
    )


def test_cli_creates_a_source_replays_and_purges_dead_letters(app, client):
    program = factories.program()
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=[
            "tpm",
            "intake",
            "create",
            "cli-form",
            "--kind",
            "typeform",
            "--program-id",
            str(program.id),
            "--map",
            "display_name=client_name",
            "--map",
            "date_of_birth=client_dob",
            "--secret",
            "a-typeform-secret-long-enough",
        ]
    )
    assert created.exit_code == 0, created.output
    assert "a-typeform-secret-long-enough" in created.output
    source = session().scalars(select(IntakeSource).where(IntakeSource.key == "cli-form")).one()
    issued = intake.sources.IssuedSecret(source, "a-typeform-secret-long-enough", None)
    payload = intake.typeform_payload()
    payload["form_response"]["answers"][1]["date"] = "yesterday-ish"
    failed = intake.deliver(client, issued, payload)
    assert failed.status_code == 422
    listed = runner.invoke(args=["tpm", "intake", "dead-letters"])
    assert "date_of_birth" in listed.output and "yesterday" not in listed.output
    still = runner.invoke(args=["tpm", "intake", "replay", "--all-waiting"])
    assert still.exit_code == 1 and "0 replayed, 1 still failing" in still.output
    purged = runner.invoke(args=["tpm", "intake", "purge", "--older-than-days", "0"])
    assert "1 dead letter(s) deleted" in purged.output
    assert session().scalar(select(func.count()).select_from(IntakeDeadLetter)) == 0
    assert session().scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_cli_refuses_an_unusable_mapping_naming_the_problem(app):
    program = factories.program()
    result = app.test_cli_runner().invoke(
        args=[
            "tpm",
            "intake",
            "create",
            "x",
            "--kind",
            "tally",
            "--program-id",
            str(program.id),
            "--map",
            "name=q1",
        ]
    )
    assert result.exit_code == 1 and "mapping.name" in result.output


# --- erasure -----------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_erasing_a_client_leaves_none_of_their_strings_in_intake_tables(app, client):
    issued = intake.source()
    payload = intake.standard_payload(
        first="Zephyrine", last="Quockwell", date_of_birth="2999-01-01"
    )
    failed = intake.deliver(client, issued, payload)
    manager = factories.as_user(intake.manager_of(issued).user_id)
    client.patch(
        f"{SOURCES}/{issued.source.id}",
        json={
            "mapping": {
                k: v
                for k, v in intake.MAPPINGS["standard_webhooks"].items()
                if k != "date_of_birth"
            }
        },
        headers=manager,
    )
    opened = client.post(
        f"/tpm/api/intake/dead-letters/{failed.json['error']['dead_letter_id']}/replay",
        headers=manager,
    )
    cognito = intake.source(intake.program_of(issued), kind="cognito")
    second = intake.deliver(client, cognito, intake.cognito_payload(first="Zephyrine"))
    for client_id in (opened.json["client_id"], second.json["client_id"]):
        assert (
            client.post(f"/tpm/api/clients/{client_id}/erase", headers=manager).status_code == 200
        )
    leftovers = []
    for model in (IntakeRecord, IntakeDeadLetter, WebhookDelivery):
        for row in session().scalars(select(model)):
            text = json.dumps({c.name: str(getattr(row, c.name)) for c in model.__table__.columns})
            leftovers += [
                model.__tablename__
                for word in ("Zephyrine", "Quockwell", "Riverside", "Marta", "5550100", "555 0100")
                if word in text
            ]
    assert leftovers == []
