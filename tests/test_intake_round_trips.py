"""On PostgreSQL a new delivery costs two statements (the kept source's version, duplicates,
workflow and ids; every row at once), three when the process first loads the source, and
what it writes is exactly what the row-by-row path writes."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import event, select

from tpm_plugin.models import (
    AccessAudit,
    Client,
    IntakeRecord,
    OutboxMessage,
    Partnership,
    WebhookDelivery,
)
from tpm_plugin.services._unit import session

from . import intake_helpers as intake
from .conftest import BACKENDS


def _statements_of(app: Flask, send) -> tuple[object, list[str]]:
    engine = app.extensions["sqlalchemy"].engine
    seen: list[str] = []

    def count(*args) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        return send(), seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_new_delivery_on_postgresql_takes_two_statements(app, client):
    issued = intake.source()
    # The first delivery publishes the workflow and loads the source, which the app keeps.
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    response, statements = _statements_of(
        app, lambda: intake.deliver(client, issued, intake.standard_payload())
    )
    assert response.status_code == 201, response.json
    assert len(statements) == 2, statements
    # The kept source is checked (still active, same version) where the ids are reserved.
    assert "tpm_intake_sources" in statements[0] and "nextval" in statements[0]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_first_delivery_a_process_sees_loads_its_source_first(app, client):
    issued = intake.source()
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    app.extensions.pop("tpm_intake_sources_kept")  # as in a freshly started worker
    response, statements = _statements_of(
        app, lambda: intake.deliver(client, issued, intake.standard_payload())
    )
    assert response.status_code == 201, response.json
    assert len(statements) == 3, statements


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_new_deliverys_statements_stay_within_psycopgs_cached_conversions(app, client):
    # Above 50 parameters (or 4096 characters) psycopg converts the query text again on
    # every call: rows' repeated values (ids, the time, the actor) share one parameter.
    issued = intake.source()
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    engine = app.extensions["sqlalchemy"].engine
    seen: list[tuple[int, int]] = []

    def measure(connection, cursor, statement, parameters, context, many) -> None:
        seen.append((len(parameters or ()), len(statement)))

    event.listen(engine, "before_cursor_execute", measure)
    try:
        response = intake.deliver(client, issued, intake.standard_payload())
    finally:
        event.remove(engine, "before_cursor_execute", measure)
    assert response.status_code == 201, response.json
    assert len(seen) == 2
    assert all(count <= 50 and length <= 4096 for count, length in seen), seen


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_delivery_writes_each_row_with_the_ids_it_answers(app, client):
    issued = intake.source()
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    answer = intake.deliver(client, issued, intake.standard_payload()).json
    person = session().get(Client, answer["client_id"])
    partnership = session().get(Partnership, answer["partnership_id"])
    record = session().get(IntakeRecord, answer["intake_record_id"])
    assert person.program_id == partnership.program_id == answer["program_id"]
    assert partnership.client_id == person.id and partnership.version_id == 1
    assert partnership.stage == answer["stage"] and partnership.workflow_version == 1
    assert (record.client_id, record.partnership_id) == (person.id, partnership.id)
    assert person.created_at is not None and record.received_at is not None
    audited = session().execute(
        select(AccessAudit.object_type, AccessAudit.object_id, AccessAudit.actor_id).where(
            AccessAudit.actor_id == f"intake-source:{answer['source_id']}"
        )
    )
    assert {(kind, int(id_)) for kind, id_, _ in audited} >= {
        ("client", person.id),
        ("partnership", partnership.id),
        ("intake_record", record.id),
    }
    message = session().scalar(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"intake-received:{record.id}")
    )
    assert message.payload["client_id"] == person.id and message.attempts == 0
    delivery = session().scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.response_body["client_id"].as_integer() == person.id
        )
    )
    assert delivery.status == "processed" and delivery.attempts == 1
    assert delivery.response_status == 201 and delivery.response_body == answer


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_referral_like_nobody_flags_no_duplicates(app, client):
    issued = intake.source()
    other_family = intake.standard_payload(first="Bea", last="Souza")
    other_family["guardian"]["phone"] = "+1 555 0199"
    intake.deliver(client, issued, other_family)
    answer = intake.deliver(client, issued, intake.standard_payload()).json
    assert answer["possible_duplicate_client_ids"] == []
    assert (
        session().get(IntakeRecord, answer["intake_record_id"]).possible_duplicate_client_ids
        is None
    )
