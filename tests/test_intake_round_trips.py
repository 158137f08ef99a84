"""On PostgreSQL a new delivery costs two statements (the kept source's version, duplicates,
workflow and ids; every row at once), three when the process first loads the source, and
what it writes is exactly what the row-by-row path writes."""

from __future__ import annotations

import pytest
from flask import Flask
from psycopg.pq import TransactionStatus
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from tpm_plugin.models import (
    AccessAudit,
    Client,
    IntakeRecord,
    OutboxMessage,
    Partnership,
    Program,
    WebhookDelivery,
    Workflow,
    WorkflowVersion,
)
from tpm_plugin.services._unit import session
from tpm_plugin.services.intake import sources
from tpm_plugin.services.workflow_versions.catalog import SHIPPED_WORKFLOW

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
def test_a_new_deliverys_two_statements_need_no_begin_or_commit(app, client):
    # Each statement is sent outside a transaction block with autocommit on, so psycopg
    # sends no BEGIN before it and no COMMIT after: two round trips in all. The second
    # holds every write, so it is the delivery's one transaction.
    issued = intake.source()
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    engine = app.extensions["sqlalchemy"].engine
    seen: list[tuple[bool, object]] = []
    used = []

    def state(connection, cursor, statement, parameters, context, many) -> None:
        dbapi = cursor.connection
        used.append(dbapi)
        seen.append((dbapi.autocommit, dbapi.info.transaction_status))

    event.listen(engine, "before_cursor_execute", state)
    try:
        response = intake.deliver(client, issued, intake.standard_payload())
    finally:
        event.remove(engine, "before_cursor_execute", state)
    assert response.status_code == 201, response.json
    assert seen == [(True, TransactionStatus.IDLE)] * 2
    # The connection went back to the pool as it was taken: its next unit is a transaction.
    assert used[0].autocommit is False


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_new_delivery_from_a_kept_source_begins_no_orm_transaction(app, client):
    # Its two statements run on a connection of the host's engine, beside the session: the
    # session has nothing to begin, commit and close (and the request makes none).
    issued = intake.source()
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    begun: list[Session] = []

    def count(orm_session, transaction, connection) -> None:
        begun.append(orm_session)

    event.listen(Session, "after_begin", count)
    try:
        response = intake.deliver(client, issued, intake.standard_payload())
    finally:
        event.remove(Session, "after_begin", count)
    assert response.status_code == 201, response.json
    assert begun == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_rows_of_one_delivery_are_written_at_one_moment(app, client):
    # The clock is read once for the statement that writes every row: the times a flush
    # would fill one by one are one time, and take one parameter.
    issued = intake.source()
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    answer = intake.deliver(client, issued, intake.standard_payload()).json
    audited = session().scalars(
        select(AccessAudit.occurred_at).where(
            AccessAudit.actor_id == f"intake-source:{answer['source_id']}",
            AccessAudit.object_id == str(answer["client_id"]),
        )
    )
    message = session().scalar(
        select(OutboxMessage.created_at).where(
            OutboxMessage.dedupe_key == f"intake-received:{answer['intake_record_id']}"
        )
    )
    delivery = session().scalar(
        select(WebhookDelivery.received_at).where(
            WebhookDelivery.response_body["client_id"].as_integer() == answer["client_id"]
        )
    )
    times = {session().get(Client, answer["client_id"]).created_at, *audited, message, delivery}
    assert len(times) == 1 and None not in times, times


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_fresh_databases_first_delivery_publishes_the_workflow_in_one_transaction(app, client):
    # The shipped workflow is published with the first referral: not statement by
    # statement, but in the transaction that writes the referral, even when the source
    # was kept already (so the delivery set out to run its statements on their own).
    issued = intake.source()
    sources.source_for_delivery(issued.source.key)
    # A program on the shipped workflow, which nothing has published yet.
    shipped = select(Workflow.id).where(Workflow.key == SHIPPED_WORKFLOW).scalar_subquery()
    session().execute(delete(WorkflowVersion).where(WorkflowVersion.workflow_id == shipped))
    session().execute(delete(Workflow).where(Workflow.key == SHIPPED_WORKFLOW))
    session().execute(
        update(Program)
        .where(Program.id == issued.source.program_id)
        .values(workflow_key=SHIPPED_WORKFLOW)
    )
    session().commit()
    engine = app.extensions["sqlalchemy"].engine
    modes: list[tuple[str, bool]] = []

    def state(connection, cursor, statement, parameters, context, many) -> None:
        modes.append((statement.split(None, 1)[0].upper(), cursor.connection.autocommit))

    event.listen(engine, "before_cursor_execute", state)
    try:
        response = intake.deliver(client, issued, intake.standard_payload())
    finally:
        event.remove(engine, "before_cursor_execute", state)
    assert response.status_code == 201, response.json
    assert modes[0] == ("SELECT", True), modes  # the reservation that found no version
    writes = [autocommit for verb, autocommit in modes if verb in ("INSERT", "WITH", "UPDATE")]
    assert writes and not any(writes), modes
    assert session().get(Partnership, response.json["partnership_id"]).workflow_version == 1


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
