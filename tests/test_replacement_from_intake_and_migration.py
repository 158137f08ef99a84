"""A program's week of supervision is placed again at once when intake opens a partnership
and when a workflow migration ends a partnership or changes what it owes: the change adds
one placement job to the outbox in its own transaction (on PostgreSQL, intake adds it
inside the one statement that writes the referral), unless one of the program's waits."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, event, func, select, text, update

from tpm_plugin.errors import ValidationFailed
from tpm_plugin.models import OutboxMessage, Partnership
from tpm_plugin.services import workflow_versions
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.supervision_placement.requests import PLACEMENT_JOB
from tpm_plugin.workflows.definition import default_definition

from . import factories
from . import intake_helpers as intake
from .conftest import BACKENDS

CLI = workflow_versions.COMMAND_LINE


def _waiting_jobs(program_id: int) -> list[OutboxMessage]:
    session().rollback()
    return list(
        session().scalars(
            select(OutboxMessage).where(
                OutboxMessage.job_name == PLACEMENT_JOB,
                OutboxMessage.relayed_at.is_(None),
                OutboxMessage.dedupe_key.startswith(f"place-{program_id}-"),
            )
        )
    )


def _relayed() -> None:
    """Every placement job waiting is taken by the relay (it then asks anew)."""
    with unit_of_work() as unit:
        unit.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.job_name == PLACEMENT_JOB)
            .values(relayed_at=dt.datetime.now(dt.UTC))
        )


# --- intake ---------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_referral_opened_by_intake_asks_for_its_programs_week_once(app, client):
    issued = intake.source()
    program_id = issued.source.program_id
    _relayed()
    answer = intake.deliver(client, issued, intake.standard_payload())
    assert answer.status_code == 201, answer.json
    [job] = _waiting_jobs(program_id)
    assert job.payload == {"program_id": program_id} and job.attempts == 0
    assert job.available_at is not None and job.created_at is not None
    # A burst of referrals is placed once: the waiting job will see them all.
    assert intake.deliver(client, issued, intake.standard_payload(first="Bea")).status_code == 201
    assert [row.id for row in _waiting_jobs(program_id)] == [job.id]
    # Once relayed, the next referral asks again.
    _relayed()
    assert intake.deliver(client, issued, intake.standard_payload(first="Cy")).status_code == 201
    assert len(_waiting_jobs(program_id)) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_repeated_delivery_and_a_refused_one_ask_for_nothing(app, client):
    issued = intake.source()
    program_id = issued.source.program_id
    body = intake.encode(intake.standard_payload())
    headers = intake.standard_headers(issued.secret, body)
    first = client.post(intake.url(issued), data=body, headers=headers)
    assert first.status_code == 201, first.json
    _relayed()
    again = client.post(intake.url(issued), data=body, headers=headers)
    assert (again.status_code, again.json) == (201, first.json)  # the first answer again
    unreadable = intake.deliver(client, issued, b"{not json")
    assert unreadable.status_code in (400, 422), unreadable.json
    assert _waiting_jobs(program_id) == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_dead_letter_replayed_into_a_referral_asks_for_the_week(app, client):
    issued = intake.source()
    program_id = issued.source.program_id
    failed = intake.deliver(client, issued, intake.standard_payload(date_of_birth="not a date"))
    assert failed.status_code == 422
    assert _waiting_jobs(program_id) == []
    manager = factories.as_user(intake.manager_of(issued).user_id)
    mapping = {
        k: v for k, v in intake.MAPPINGS["standard_webhooks"].items() if k != "date_of_birth"
    }
    fixed = client.patch(
        f"/tpm/api/intake/sources/{issued.source.id}", json={"mapping": mapping}, headers=manager
    )
    assert fixed.status_code == 200, fixed.json
    letter = failed.json["error"]["dead_letter_id"]
    replayed = client.post(f"/tpm/api/intake/dead-letters/{letter}/replay", headers=manager)
    assert replayed.status_code == 201, replayed.json
    [job] = _waiting_jobs(program_id)
    assert job.payload == {"program_id": program_id}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_job_the_relay_holds_does_not_stop_intake_asking(app, client, postgres_url):
    # The relay locks the rows it hands to rq; a job being handed over may be placed before
    # this referral commits, so the referral must add its own (as request_replacement does).
    issued = intake.source()
    program_id = issued.source.program_id
    assert intake.deliver(client, issued, intake.standard_payload()).status_code == 201
    [held] = _waiting_jobs(program_id)
    relay = create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with relay.begin() as connection:
            connection.execute(
                text("SELECT id FROM tpm_outbox WHERE id = :id FOR UPDATE"), {"id": held.id}
            )
            answer = intake.deliver(client, issued, intake.standard_payload(first="Bea"))
            assert answer.status_code == 201, answer.json
    finally:
        relay.dispose()
    assert len(_waiting_jobs(program_id)) == 2


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_placement_request_rides_in_the_statement_that_writes_the_referral(app, client):
    issued = intake.source()
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    _relayed()
    engine = app.extensions["sqlalchemy"].engine
    seen: list[str] = []

    def remember(connection, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        assert intake.deliver(client, issued, intake.standard_payload()).status_code == 201
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert len(seen) == 2, seen
    assert "tpm_placement_request" in seen[1] and "SKIP LOCKED" in seen[1]
    assert len(_waiting_jobs(issued.source.program_id)) == 1


# --- workflow migrations --------------------------------------------------------------


def _published(key: str, change=None) -> int:
    definition: dict[str, Any] = copy.deepcopy(dict(default_definition(), key=key))
    if change is not None:
        change(definition)
    draft = workflow_versions.create_draft(CLI, key, definition)
    return workflow_versions.publish_draft(CLI, key, draft.id).version


def _stage(definition: dict[str, Any], key: str) -> dict[str, Any]:
    return next(stage for stage in definition["stages"] if stage["key"] == key)


def _referred_owes(definition: dict[str, Any]) -> None:
    _stage(definition, "referred")["cadence"] = {"owes": True}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(
    ("change", "mapping"),
    [
        (None, {"referred": "identification"}),  # into a stage that owes
        (None, {"referred": "withdrawn"}),  # into a stage that ends it
        (_referred_owes, {}),  # the same stage, owing in the new version
    ],
    ids=["starts_owing", "ends", "same_stage_owes_otherwise"],
)
def test_a_migration_that_ends_or_changes_what_is_owed_asks_once(
    app: Flask, change, mapping: dict[str, str]
):
    made = factories.world()
    other = factories.partnership(made.program, partner=made.partner, supervisor=made.supervisor)
    key = made.program.workflow_key
    version = _published(key, change)
    _relayed()
    workflow_versions.migrate_partnerships(
        CLI, key, version, [made.partnership.id, other.id], mapping
    )
    # Two partnerships of one program: its week is placed once.
    [job] = _waiting_jobs(made.program.id)
    assert job.payload == {"program_id": made.program.id}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_migration_that_owes_the_same_asks_for_nothing(app: Flask):
    made = factories.world()
    key = made.program.workflow_key

    def reworded(definition: dict[str, Any]) -> None:
        _stage(definition, "referred")["description"] = "Waiting for a partner."

    version = _published(key, reworded)
    _relayed()
    report = workflow_versions.migrate_partnerships(CLI, key, version, [made.partnership.id])
    assert [moved.partnership_id for moved in report.migrated] == [made.partnership.id]
    assert _waiting_jobs(made.program.id) == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_refused_migration_asks_for_nothing(app: Flask):
    made = factories.world()
    key = made.program.workflow_key
    version = _published(key)
    _relayed()
    with pytest.raises(ValidationFailed):
        workflow_versions.migrate_partnerships(
            CLI, key, version, [made.partnership.id], {"referred": "no_such_stage"}
        )
    assert _waiting_jobs(made.program.id) == []
    assert (
        session().scalar(
            select(func.count()).select_from(Partnership).where(Partnership.workflow_version == 2)
        )
        == 0
    )
