"""What a ``same`` resolution (or an erasure) leaves behind for others: a form service
retrying a delivery is answered with the referral's client as it is now, and no flagged
record offers a client that no longer exists (removed as a duplicate, or erased)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tpm_plugin.models import (
    Client,
    IntakeDeadLetter,
    IntakeRecord,
    OutboxMessage,
    Partnership,
    WebhookDelivery,
)
from tpm_plugin.services._unit import session

from . import factories
from . import intake_helpers as intake
from .conftest import BACKENDS
from .pages.test_manager_editor import TOKEN, with_token
from .test_intake_duplicates import FLAGGED, _resolve, replay_without_date_of_birth

PAGE = "/tpm/manager/intake"
REASON = {"another_open_reason": "Referred again."}


def _same(client, record_id, headers, kept_id):
    done = _resolve(
        client, record_id, headers, decision="same", same_as_client_id=kept_id, **REASON
    )
    assert done.status_code == 200, done.json
    return done


def _post_as(client, issued, payload, delivery_id: str):
    """Deliver ``payload`` with the given Standard Webhooks delivery id (as a retry would)."""
    body = intake.encode(payload)
    headers = intake.standard_headers(issued.secret, body, msg_id=delivery_id)
    return client.post(intake.url(issued), data=body, headers=headers)


def _counts() -> dict[str, int]:
    session().expire_all()
    models = (Client, Partnership, IntakeRecord, WebhookDelivery, OutboxMessage, IntakeDeadLetter)
    return {
        model.__tablename__: session().scalar(select(func.count()).select_from(model))
        for model in models
    }


def _three(client):
    """A source, its manager's headers, and three referrals of one person: the second
    flags the first, the third flags both."""
    issued = intake.source()
    first = intake.deliver(client, issued, intake.standard_payload()).json
    second = intake.deliver(client, issued, intake.standard_payload()).json
    third = intake.deliver(client, issued, intake.standard_payload()).json
    assert third["possible_duplicate_client_ids"] == [first["client_id"], second["client_id"]]
    return issued, factories.as_user(intake.manager_of(issued).user_id), first, second, third


def _listed(client, manager) -> dict[int, list[int]]:
    listed = client.get(FLAGGED, headers=manager)
    assert listed.status_code == 200
    return {item["intake_record_id"]: item["duplicate_client_ids"] for item in listed.json}


# --- a repeated delivery after ``same`` -------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_repeated_delivery_after_same_names_the_kept_client_and_creates_nothing(app, client):
    issued = intake.source()
    manager = factories.as_user(intake.manager_of(issued).user_id)
    first = intake.deliver(client, issued, intake.standard_payload()).json
    payload = intake.standard_payload()
    opened = _post_as(client, issued, payload, "msg_retried")
    assert opened.status_code == 201
    second = opened.json
    _same(client, second["intake_record_id"], manager, first["client_id"])
    before = _counts()

    again = _post_as(client, issued, payload, "msg_retried")

    assert again.status_code == 201
    assert again.json["client_id"] == first["client_id"]
    assert (again.json["intake_record_id"], again.json["partnership_id"]) == (
        second["intake_record_id"],
        second["partnership_id"],
    )
    assert second["client_id"] not in again.json["possible_duplicate_client_ids"]
    assert session().get(Client, again.json["client_id"]) is not None
    assert _counts() == before


def test_a_repeated_delivery_of_another_flagged_record_no_longer_names_the_removed_client(
    app, client
):
    issued = intake.source()
    manager = factories.as_user(intake.manager_of(issued).user_id)
    first = intake.deliver(client, issued, intake.standard_payload()).json
    second = intake.deliver(client, issued, intake.standard_payload()).json
    payload = intake.standard_payload()
    third = _post_as(client, issued, payload, "msg_third").json
    _same(client, second["intake_record_id"], manager, first["client_id"])

    again = _post_as(client, issued, payload, "msg_third")

    assert again.status_code == 201
    assert again.json["client_id"] == third["client_id"]
    assert again.json["possible_duplicate_client_ids"] == [first["client_id"]]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_replayed_dead_letter_repeated_after_same_names_the_kept_client(app, client):
    issued = intake.source()
    manager = factories.as_user(intake.manager_of(issued).user_id)
    first = intake.deliver(client, issued, intake.standard_payload()).json
    payload = intake.standard_payload(date_of_birth="2999-01-01")
    failed = _post_as(client, issued, payload, "msg_dead")
    assert failed.status_code == 422
    second = replay_without_date_of_birth(client, issued, manager, failed)
    _same(client, second["intake_record_id"], manager, first["client_id"])
    before = _counts()

    again = _post_as(client, issued, payload, "msg_dead")

    assert again.status_code == 201
    assert again.json["client_id"] == first["client_id"]
    assert again.json["intake_record_id"] == second["intake_record_id"]
    assert _counts() == before


def test_every_stored_answer_of_a_cognito_entry_names_the_kept_client(app, client):
    issued = intake.source(kind="cognito")
    manager = factories.as_user(intake.manager_of(issued).user_id)
    first = intake.deliver(client, issued, intake.cognito_payload(1, "5-901")).json
    second = intake.deliver(client, issued, intake.cognito_payload(1, "5-902")).json
    assert second["possible_duplicate_client_ids"] == [first["client_id"]]
    updated = intake.deliver(client, issued, intake.cognito_payload(2, "5-902"))
    assert (updated.status_code, updated.json["outcome"]) == (200, "updated")
    _same(client, second["intake_record_id"], manager, first["client_id"])
    before = _counts()

    opened_again = intake.deliver(client, issued, intake.cognito_payload(1, "5-902"))
    updated_again = intake.deliver(client, issued, intake.cognito_payload(2, "5-902"))

    assert (opened_again.status_code, updated_again.status_code) == (201, 200)
    assert opened_again.json["client_id"] == first["client_id"]
    assert opened_again.json["possible_duplicate_client_ids"] == []
    assert updated_again.json == {**updated.json, "client_id": first["client_id"]}
    assert _counts() == before


# --- no removed client offered ----------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_after_same_another_record_flags_the_kept_client_instead_once(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])

    assert _listed(client, manager) == {third["intake_record_id"]: [first["client_id"]]}
    session().expire_all()
    record = session().get(IntakeRecord, third["intake_record_id"])
    assert record.possible_duplicate_client_ids == [first["client_id"]]


def test_after_same_the_kept_client_can_be_chosen_on_the_other_record(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])

    done = _same(client, third["intake_record_id"], manager, first["client_id"])

    assert done.json["client_id"] == first["client_id"]
    assert session().get(Client, third["client_id"]) is None


def test_after_same_the_page_offers_only_clients_that_exist(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])
    with_token(client)

    page = client.get(PAGE, headers=manager).text

    assert f"looks like: {first['client_id']}</p>" in page
    assert f'value="{first["client_id"]}"' in page
    assert f'value="{second["client_id"]}"' not in page
    chosen = client.post(
        f"{PAGE}/duplicates/{third['intake_record_id']}/resolution",
        data={"csrf_token": TOKEN, "choice": str(first["client_id"]), **REASON},
        headers=manager,
    )
    assert chosen.status_code == 303


def test_after_same_the_cli_lists_only_clients_that_exist(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])

    listed = app.test_cli_runner().invoke(args=["tpm", "intake", "duplicates"])

    assert listed.exit_code == 0
    assert f"{third['intake_record_id']}\tclient {third['client_id']}\t" in listed.output
    assert listed.output.splitlines()[0].endswith(f"\tlooks like {first['client_id']}")
    assert "1 possible duplicate(s) waiting." in listed.output


def test_a_record_does_not_come_to_flag_its_own_client(app, client):
    issued, manager, first, second, third = _three(client)
    # Flags written by hand: a record whose own client is the one kept in place of another.
    record = session().get(IntakeRecord, first["intake_record_id"])
    record.possible_duplicate_client_ids = [second["client_id"]]
    session().commit()
    _same(client, second["intake_record_id"], manager, first["client_id"])

    assert first["intake_record_id"] not in _listed(client, manager)
    session().expire_all()
    assert session().get(IntakeRecord, first["intake_record_id"]).possible_duplicate_client_ids in (
        None,
        [],
    )


def test_flags_naming_clients_that_no_longer_exist_are_not_offered(app, client):
    issued, manager, first, second, third = _three(client)
    # Flags stored before removals repointed them: one names a client that is gone.
    record = session().get(IntakeRecord, third["intake_record_id"])
    record.possible_duplicate_client_ids = [first["client_id"], 999_999]
    session().commit()

    listed = _listed(client, manager)

    assert listed[third["intake_record_id"]] == [first["client_id"]]


# --- erasure ----------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_erased_client_is_no_longer_offered_as_a_duplicate(app, client):
    issued, manager, first, second, third = _three(client)

    erased = client.post(f"/tpm/api/clients/{first['client_id']}/erase", headers=manager)

    assert erased.status_code == 200
    assert erased.json["rows_scrubbed"]["intake_flags"] == 2
    # The second record looked like the erased client only: nothing is left to decide.
    assert _listed(client, manager) == {third["intake_record_id"]: [second["client_id"]]}
    with_token(client)
    page = client.get(PAGE, headers=manager).text
    assert f'value="{first["client_id"]}"' not in page
    output = app.test_cli_runner().invoke(args=["tpm", "intake", "duplicates"]).output
    assert f"looks like {second['client_id']}\n" in output
    assert "1 possible duplicate(s) waiting." in output


def test_an_erased_client_still_flagged_is_not_offered(app, client):
    issued, manager, first, second, third = _three(client)
    client.post(f"/tpm/api/clients/{first['client_id']}/erase", headers=manager)
    # Flags stored before erasure dropped them.
    record = session().get(IntakeRecord, third["intake_record_id"])
    record.possible_duplicate_client_ids = [first["client_id"], second["client_id"]]
    session().commit()

    assert _listed(client, manager)[third["intake_record_id"]] == [second["client_id"]]


def test_a_repeated_delivery_after_an_erasure_no_longer_names_the_erased_client(app, client):
    issued = intake.source()
    manager = factories.as_user(intake.manager_of(issued).user_id)
    first = intake.deliver(client, issued, intake.standard_payload()).json
    second = intake.deliver(client, issued, intake.standard_payload()).json
    payload = intake.standard_payload()
    third = _post_as(client, issued, payload, "msg_after_erasure").json
    client.post(f"/tpm/api/clients/{first['client_id']}/erase", headers=manager)

    again = _post_as(client, issued, payload, "msg_after_erasure")

    assert again.status_code == 201
    assert again.json == {**third, "possible_duplicate_client_ids": [second["client_id"]]}
