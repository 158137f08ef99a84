"""A transition request costs a fixed, small number of statements, its audit rows and
outbox rows included: on PostgreSQL the actor's roles, the locked row, and one statement
that changes the stage and inserts the transition-audit row, the access-audit row, the
stage's scheduled work and the week's placement request (data-modifying CTEs); on SQLite,
which has none, those are statements of their own. Counted with a SQLAlchemy
``before_cursor_execute`` listener, never timed. The rows written are the ones the separate
statements used to write."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import event, func, select, update

from tpm_plugin.models import AccessAudit, OutboxMessage, Partnership, TransitionAudit
from tpm_plugin.services._unit import session
from tpm_plugin.services.supervision_placement.requests import PLACEMENT_JOB
from tpm_plugin.services.workflow_versions import STAGE_WORK_JOB

from . import factories
from .conftest import BACKENDS
from .factories import as_user
from .test_list_queries import counting

#: Statements of one transition request, per backend: roles, the locked row, then the
#: folded write (PostgreSQL), or the UPDATE, each outbox row, the transition-audit row and
#: the access-audit row (SQLite).
FOLDED = 3


def _fire(client, world: factories.World, trigger: str, **body: str):
    response = client.post(
        f"/tpm/api/partnerships/{world.partnership.id}/transitions",
        json={"trigger": trigger, **body},
        headers=as_user(world.manager_user),
    )
    assert response.status_code == 200, response.json
    return response


def _relay_everything() -> None:
    # As the relay would: the placement job the partnership's creation asked for is
    # handed over, so the next change that owes differently asks for a new one.
    session().execute(update(OutboxMessage).values(relayed_at=func.now()))
    session().commit()


def _outbox(job_name: str) -> list[dict]:
    session().expire_all()
    return list(
        session().scalars(
            select(OutboxMessage.payload)
            .where(OutboxMessage.job_name == job_name, OutboxMessage.relayed_at.is_(None))
            .order_by(OutboxMessage.id)
        )
    )


def _rows(model, partnership_id: int) -> int:
    query = select(func.count()).select_from(model).where(model.partnership_id == partnership_id)
    if model is AccessAudit:
        query = query.where(AccessAudit.action == "transition")
    return session().scalar(query)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_transition_costs_three_statements_its_audit_and_outbox_rows_included(app, client):
    world = factories.world()
    pid = world.partnership.id
    _relay_everything()
    # referred -> identification: a stage with scheduled work, which also owes differently
    # (the stage work row and the placement request both ride on the write).
    with counting(app) as statements:
        _fire(client, world, "begin_identification")
    assert len(statements) == FOLDED, statements
    write = statements[-1]
    assert write.startswith("WITH ")
    for part in (
        "INSERT INTO tpm_access_audit",
        "INSERT INTO tpm_outbox",
        "UPDATE tpm_partnerships",
        "INSERT INTO tpm_transition_audit",
    ):
        assert part in write, part
    assert [job["stage"] for job in _outbox(STAGE_WORK_JOB)] == ["identification"]
    assert _outbox(PLACEMENT_JOB) == [{"program_id": world.program.id}]
    # identification -> on_hold: no scheduled work; the placement job still waits, so none
    # is added; still three statements.
    with counting(app) as statements:
        _fire(client, world, "put_on_hold", reason="Family away.")
    assert len(statements) == FOLDED, statements
    assert len(_outbox(PLACEMENT_JOB)) == 1
    assert _rows(TransitionAudit, pid) == 2
    assert _rows(AccessAudit, pid) == 2


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_each_row_is_a_statement_of_its_own(app, client):
    world = factories.world()
    _relay_everything()
    with counting(app) as statements:
        _fire(client, world, "begin_identification")
    # Roles, the row, its UPDATE, the stage work row, the placement request, the
    # transition-audit row, the access-audit row.
    assert len(statements) == 7, statements
    with counting(app) as statements:
        _fire(client, world, "put_on_hold", reason="Family away.")
    assert len(statements) == 6, statements


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_write_leaves_the_row_and_its_audit_as_the_transition_made_them(app, client):
    world = factories.world()
    pid = world.partnership.id
    before = session().get(Partnership, pid).version_id
    _fire(client, world, "begin_identification")
    answer = _fire(client, world, "put_on_hold", reason="Family away.").json
    session().expire_all()
    row = session().get(Partnership, pid)
    assert (row.stage, row.held_from_stage, row.ended_at) == ("on_hold", "identification", None)
    assert row.version_id == before + 2
    audit = session().get(TransitionAudit, answer["audit_id"])
    assert (audit.partnership_id, audit.from_stage, audit.to_stage, audit.reason) == (
        pid,
        "identification",
        "on_hold",
        "Family away.",
    )
    assert audit.actor_role == "program_manager"
    assert audit.occurred_at == row.stage_entered_at
    work = _outbox(STAGE_WORK_JOB)
    assert work[-1]["partnership_id"] == pid and work[-1]["stage"] == "identification"
    _fire(client, world, "resume_identification")
    session().expire_all()
    assert session().get(Partnership, pid).held_from_stage is None


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_version_moved_under_the_write_answers_409_and_writes_nothing_but_the_refusal(
    app: Flask, client
):
    world = factories.world()
    pid = world.partnership.id
    engine = app.extensions["sqlalchemy"].engine
    bumped = []

    def move_the_version_first(conn, cursor, statement, parameters, context, executemany):
        # Another writer (a database without row locks) changes the row between this
        # request's read and its write.
        if "UPDATE tpm_partnerships" in statement and not bumped:
            bumped.append(True)
            raw = cursor.connection.cursor()
            raw.execute(f"UPDATE tpm_partnerships SET version_id = version_id + 1 WHERE id = {pid}")

    event.listen(engine, "before_cursor_execute", move_the_version_first)
    try:
        response = client.post(
            f"/tpm/api/partnerships/{pid}/transitions",
            json={"trigger": "begin_identification"},
            headers=as_user(world.manager_user),
        )
    finally:
        event.remove(engine, "before_cursor_execute", move_the_version_first)
    assert bumped
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "stage_changed"
    session().expire_all()
    assert session().get(Partnership, pid).stage == "referred"
    assert _rows(TransitionAudit, pid) == 0
    assert _outbox(STAGE_WORK_JOB) == []
    outcomes = session().scalars(
        select(AccessAudit.outcome).where(
            AccessAudit.partnership_id == pid, AccessAudit.action == "transition"
        )
    )
    assert list(outcomes) == ["refused"]
