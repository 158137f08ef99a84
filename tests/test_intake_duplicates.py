"""Possible duplicates resolved by a program manager (API and ``flask tpm intake``): a
different person clears the flag, the same person moves the referral's partnership to the
existing client and removes the client it had opened; nothing else moves, everything is
audited, and erasing the kept client still erases the referral."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tpm_plugin.models import (
    AccessAudit,
    Client,
    IntakeDeadLetter,
    IntakeRecord,
    OutboxMessage,
    Partnership,
    WebhookDelivery,
)
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import session
from tpm_plugin.signals import possible_duplicate_resolved

from . import factories
from . import intake_helpers as intake
from .conftest import BACKENDS

FLAGGED = "/tpm/api/intake/possible-duplicates"


def _pair(client):
    """A source, its manager's headers, and two referrals of one person (the second flagged)."""
    issued = intake.source()
    first = intake.deliver(client, issued, intake.standard_payload()).json
    second = intake.deliver(client, issued, intake.standard_payload()).json
    assert second["possible_duplicate_client_ids"] == [first["client_id"]]
    return issued, factories.as_user(intake.manager_of(issued).user_id), first, second


def _resolve(client, record_id, headers, **body):
    return client.post(f"{FLAGGED}/{record_id}/resolution", json=body, headers=headers)


def replay_without_date_of_birth(client, issued, manager, failed) -> dict:
    """Map the source without a date of birth and replay the dead letter of ``failed`` (a
    delivery refused for its date of birth); returns what the replay opened."""
    fixed = {k: v for k, v in intake.MAPPINGS["standard_webhooks"].items() if k != "date_of_birth"}
    client.patch(
        f"/tpm/api/intake/sources/{issued.source.id}", json={"mapping": fixed}, headers=manager
    )
    return client.post(
        f"/tpm/api/intake/dead-letters/{failed.json['error']['dead_letter_id']}/replay",
        headers=manager,
    ).json


def _record(record_id: int) -> IntakeRecord:
    session().expire_all()
    return session().get(IntakeRecord, record_id)


def test_a_manager_lists_the_flagged_referrals_of_their_programs_only(app, client):
    issued, manager, first, second = _pair(client)
    [listed] = client.get(FLAGGED, headers=manager).json
    assert listed["intake_record_id"] == second["intake_record_id"]
    assert listed["duplicate_client_ids"] == [first["client_id"]]
    other = factories.as_user(factories.program_manager_of(factories.program()))
    assert client.get(FLAGGED, headers=other).json == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_distinct_clears_the_flag_with_who_and_when_and_moves_nothing(app, client):
    issued, manager, first, second = _pair(client)
    done = _resolve(client, second["intake_record_id"], manager, decision="distinct")
    assert done.status_code == 200, done.json
    assert done.json == {
        "intake_record_id": second["intake_record_id"],
        "decision": "distinct",
        "client_id": second["client_id"],
        "partnership_id": second["partnership_id"],
        "replaced_client_id": None,
    }
    record = _record(second["intake_record_id"])
    assert record.duplicates_decision == "distinct"
    assert record.duplicates_resolved_by == intake.manager_of(issued).user_id
    assert record.duplicates_resolved_at is not None
    assert record.possible_duplicate_client_ids == [first["client_id"]]  # kept as flagged
    assert session().get(Client, second["client_id"]) is not None
    assert client.get(FLAGGED, headers=manager).json == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_same_moves_the_partnership_and_removes_the_new_client(app, client):
    issued, manager, first, second = _pair(client)
    heard = []

    def receiver(sender, **payload):
        heard.append(payload)

    possible_duplicate_resolved.connect(receiver)
    try:
        done = _resolve(
            client,
            second["intake_record_id"],
            manager,
            decision="same",
            same_as_client_id=first["client_id"],
            another_open_reason="A second referral, from the school.",
        )
    finally:
        possible_duplicate_resolved.disconnect(receiver)
    assert done.status_code == 200, done.json
    assert done.json["client_id"] == first["client_id"]
    assert done.json["replaced_client_id"] == second["client_id"]
    session().expire_all()
    partnership = session().get(Partnership, second["partnership_id"])
    assert partnership.client_id == first["client_id"]
    assert partnership.another_open_reason == "A second referral, from the school."
    assert session().get(Client, second["client_id"]) is None
    record = _record(second["intake_record_id"])
    assert (record.client_id, record.replaced_client_id) == (
        first["client_id"],
        second["client_id"],
    )
    greeting = (
        session()
        .scalars(
            select(OutboxMessage).where(
                OutboxMessage.dedupe_key == f"intake-received:{second['intake_record_id']}"
            )
        )
        .one()
    )
    assert greeting.payload["client_id"] == first["client_id"]
    assert heard == [{**done.json, "program_id": issued.source.program_id}]
    [audit] = (
        session()
        .scalars(select(AccessAudit).where(AccessAudit.action == "resolve_duplicate"))
        .all()
    )
    assert (audit.object_type, audit.object_id, audit.outcome) == (
        "intake_record",
        str(second["intake_record_id"]),
        "allowed",
    )
    assert audit.partnership_id == second["partnership_id"]


def test_same_with_the_client_open_elsewhere_needs_a_reason_and_writes_nothing(app, client):
    issued, manager, first, second = _pair(client)
    refused = _resolve(
        client,
        second["intake_record_id"],
        manager,
        decision="same",
        same_as_client_id=first["client_id"],
    )
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) == {"same_as_client_id", "another_open_reason"}
    assert _record(second["intake_record_id"]).duplicates_resolved_at is None
    assert session().get(Client, second["client_id"]) is not None
    audit = (
        session()
        .scalars(select(AccessAudit).where(AccessAudit.action == "resolve_duplicate"))
        .one()
    )
    assert audit.outcome == "refused"


def test_same_after_the_existing_partnership_ended_needs_no_reason(app, client):
    issued, manager, first, second = _pair(client)
    transitions.fire(
        intake.manager_of(issued), first["partnership_id"], "withdraw", "Family moved away."
    )
    done = _resolve(
        client,
        second["intake_record_id"],
        manager,
        decision="same",
        same_as_client_id=first["client_id"],
    )
    assert done.status_code == 200, done.json


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "decision"),
        ({"decision": "merge"}, "decision"),
        ({"decision": "same"}, "same_as_client_id"),
        ({"decision": "distinct", "same_as_client_id": 1}, "same_as_client_id"),
        ({"decision": "same", "same_as_client_id": "one"}, "same_as_client_id"),
        ({"decision": "distinct", "why": "x"}, "why"),
    ],
)
def test_an_unusable_resolution_is_refused_naming_the_field(app, client, body, field):
    issued, manager, first, second = _pair(client)
    refused = _resolve(client, second["intake_record_id"], manager, **body)
    assert refused.status_code in (400, 422)
    assert field in refused.json["error"]["fields"]
    assert _record(second["intake_record_id"]).duplicates_resolved_at is None


def test_same_as_a_client_that_was_not_flagged_is_refused(app, client):
    issued, manager, first, second = _pair(client)
    stranger = intake.deliver(client, issued, intake.standard_payload(first="Rui", last="Sol"))
    refused = _resolve(
        client,
        second["intake_record_id"],
        manager,
        decision="same",
        same_as_client_id=stranger.json["client_id"],
    )
    assert refused.status_code == 422
    assert list(refused.json["error"]["fields"]) == ["same_as_client_id"]


def test_a_second_resolution_is_a_conflict(app, client):
    issued, manager, first, second = _pair(client)
    assert (
        _resolve(client, second["intake_record_id"], manager, decision="distinct").status_code
        == 200
    )
    again = _resolve(client, second["intake_record_id"], manager, decision="distinct")
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_resolved")


def test_a_record_that_flagged_nothing_is_a_conflict(app, client):
    issued, manager, first, second = _pair(client)
    refused = _resolve(client, first["intake_record_id"], manager, decision="distinct")
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "not_flagged")


def test_outside_the_managers_programs_it_is_not_found(app, client):
    issued, manager, first, second = _pair(client)
    other = factories.as_user(factories.program_manager_of(factories.program()))
    hidden = _resolve(client, second["intake_record_id"], other, decision="distinct")
    assert hidden.status_code == 404
    assert _resolve(client, 999_999, manager, decision="distinct").status_code == 404
    assert _record(second["intake_record_id"]).duplicates_resolved_at is None
    denied = (
        session()
        .scalars(select(AccessAudit).where(AccessAudit.action == "resolve_duplicate"))
        .all()
    )
    assert [row.outcome for row in denied] == ["denied", "denied"]


def test_a_partner_or_supervisor_may_not_resolve(app, client):
    issued, manager, first, second = _pair(client)
    made = factories.world()
    for user in (made.partner_user, made.supervisor_user):
        refused = _resolve(
            client, second["intake_record_id"], factories.as_user(user), decision="distinct"
        )
        assert refused.status_code == 403


def test_the_cli_lists_and_resolves(app, client):
    issued, manager, first, second = _pair(client)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["tpm", "intake", "duplicates"])
    assert f"{second['intake_record_id']}\tclient {second['client_id']}" in listed.output
    assert "Ana" not in listed.output
    missing = runner.invoke(
        args=["tpm", "intake", "resolve", str(second["intake_record_id"]), "same"]
    )
    assert missing.exit_code == 1 and "same_as_client_id" in missing.output
    done = runner.invoke(
        args=[
            "tpm",
            "intake",
            "resolve",
            str(second["intake_record_id"]),
            "same",
            "--same-as",
            str(first["client_id"]),
            "--another-open-reason",
            "Referred twice.",
        ]
    )
    assert done.exit_code == 0, done.output
    assert f"client {second['client_id']} removed" in done.output
    assert _record(second["intake_record_id"]).duplicates_resolved_by == "command-line"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_erasing_the_kept_client_erases_the_moved_referral(app, client):
    issued = intake.source()
    manager = factories.as_user(intake.manager_of(issued).user_id)
    first = intake.deliver(client, issued, intake.standard_payload()).json
    # The same person, referred again by a form that first failed to map (a dead letter).
    payload = intake.standard_payload(school="Quockwell Academy", date_of_birth="2999-01-01")
    failed = intake.deliver(client, issued, payload)
    second = replay_without_date_of_birth(client, issued, manager, failed)
    assert second["possible_duplicate_client_ids"] == [first["client_id"]]
    done = _resolve(
        client,
        second["intake_record_id"],
        manager,
        decision="same",
        same_as_client_id=first["client_id"],
        another_open_reason="Referred twice.",
    )
    assert done.status_code == 200, done.json
    letter = session().get(IntakeDeadLetter, failed.json["error"]["dead_letter_id"])
    assert letter.client_id == first["client_id"]
    erased = client.post(f"/tpm/api/clients/{first['client_id']}/erase", headers=manager)
    assert erased.status_code == 200
    session().expire_all()
    leftovers = []
    for model in (IntakeRecord, IntakeDeadLetter, WebhookDelivery, Client):
        for row in session().scalars(select(model)):
            text = json.dumps({c.name: str(getattr(row, c.name)) for c in model.__table__.columns})
            leftovers += [
                model.__tablename__
                for word in ("Quockwell", "Riverside", "Marta", "555 0100", "Ana Lima")
                if word in text
            ]
    assert leftovers == []
    assert session().scalar(select(func.count()).select_from(Client)) == 1


def test_a_retried_resolution_with_its_idempotency_key_answers_the_first_again(app, client):
    issued, manager, first, second = _pair(client)
    headers = {**manager, "Idempotency-Key": "resolve-1"}
    body = {"decision": "distinct"}
    path = f"{FLAGGED}/{second['intake_record_id']}/resolution"
    done = client.post(path, json=body, headers=headers)
    again = client.post(path, json=body, headers=headers)
    assert (done.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == done.json


def test_same_as_a_client_removed_as_another_referrals_duplicate_is_refused(app, client):
    issued, manager, first, second = _pair(client)
    third = intake.deliver(client, issued, intake.standard_payload()).json
    assert third["possible_duplicate_client_ids"] == [first["client_id"], second["client_id"]]
    reason = {"another_open_reason": "Referred again."}
    merged = _resolve(
        client,
        second["intake_record_id"],
        manager,
        decision="same",
        same_as_client_id=first["client_id"],
        **reason,
    )
    assert merged.status_code == 200
    refused = _resolve(
        client,
        third["intake_record_id"],
        manager,
        decision="same",
        same_as_client_id=second["client_id"],
        **reason,
    )
    assert refused.status_code == 422
    # The third record flags the kept client in place of the removed one now.
    [problem] = refused.json["error"]["fields"]["same_as_client_id"]
    assert problem == f"Must be one of the flagged clients: [{first['client_id']}]."
