"""Writing jobs to the outbox: in the caller's transaction, ids only, known jobs only."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.jobs.registry import UnknownJob, register_job
from tpm_plugin.models import OutboxMessage
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.outbox import add_to_outbox, outbox_status
from tpm_plugin.services.supervision_placement.requests import PLACEMENT_JOB

from . import factories
from . import jobs_for_tests as _jobs  # noqa: F401  (registers the tests.* jobs)
from .conftest import BACKENDS


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_outbox_row_commits_with_the_change_that_wrote_it(app: Flask) -> None:
    with unit_of_work():
        add_to_outbox("tests.echo", "echo-1", item=1)
    row = factories.session().scalars(select(OutboxMessage)).one()
    assert (row.job_name, row.dedupe_key, row.payload) == ("tests.echo", "echo-1", {"item": 1})
    assert row.relayed_at is None


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_rolled_back_change_leaves_no_outbox_row(app: Flask) -> None:
    with pytest.raises(RuntimeError), unit_of_work():
        add_to_outbox("tests.echo", "echo-1", item=1)
        raise RuntimeError("the change failed before commit")
    assert factories.row_count(OutboxMessage) == 0


def test_an_unregistered_job_name_is_refused(app: Flask) -> None:
    with pytest.raises(UnknownJob, match="tests.nope"), unit_of_work():
        add_to_outbox("tests.nope", "nope-1", item=1)
    assert factories.row_count(OutboxMessage) == 0


@pytest.mark.parametrize(
    ("ids", "complaint"),
    [
        ({"note": "x" * 65}, "at most 64"),
        ({"when": dt.date(2010, 5, 1)}, "int id or a short string"),
        ({"flag": True}, "int id or a short string"),
        ({"items": [1, 2]}, "int id or a short string"),
    ],
)
def test_job_arguments_that_are_not_ids_are_refused(app: Flask, ids: dict, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint), unit_of_work():
        add_to_outbox("tests.echo", "echo-1", **ids)
    assert factories.row_count(OutboxMessage) == 0


@pytest.mark.parametrize("key", ["stage:1", "", "has space", "x" * 151])
def test_a_dedupe_key_rq_cannot_use_as_a_job_id_is_refused(app: Flask, key: str) -> None:
    with pytest.raises(ValueError, match="dedupe key"), unit_of_work():
        add_to_outbox("tests.echo", key, item=1)


def test_a_naive_available_at_is_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="timezone-aware"), unit_of_work():
        add_to_outbox("tests.echo", "echo-1", available_at=dt.datetime(2030, 1, 1), item=1)


def test_a_job_defined_inside_a_function_cannot_be_registered() -> None:
    def inner() -> None: ...

    with pytest.raises(ValueError, match="module level"):
        register_job("tests.inner")(inner)


def test_a_job_name_cannot_be_taken_by_a_second_function() -> None:
    with pytest.raises(ValueError, match="already registered"):
        register_job("tests.echo")(factories.row_count)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_outbox_status_counts_the_backlog_and_its_age(app: Flask) -> None:
    now = dt.datetime.now(dt.UTC)
    with unit_of_work():
        add_to_outbox("tests.echo", "due-1", available_at=now - dt.timedelta(minutes=5), item=1)
        add_to_outbox("tests.echo", "due-2", available_at=now - dt.timedelta(minutes=1), item=2)
        add_to_outbox("tests.echo", "later", available_at=now + dt.timedelta(hours=1), item=3)
    status = outbox_status(now)
    assert (status.due, status.waiting, status.relayed, status.refused) == (2, 1, 0, 0)
    assert status.oldest_due_age == dt.timedelta(minutes=5)


def test_outbox_status_command_prints_backlog_and_age(app: Flask) -> None:
    with unit_of_work():
        add_to_outbox(
            "tests.echo",
            "due-1",
            available_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=90),
            item=1,
        )
    result = app.test_cli_runner().invoke(args=["tpm", "outbox", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 due (oldest waiting 9")
    assert "0 scheduled for later, 0 relayed, 0 refused." in result.output


def test_entering_a_stage_that_owes_writes_its_job_and_a_hold_stage_writes_none(
    app: Flask,
) -> None:
    made = factories.world()
    manager = factories.actor(made.manager_user)
    transitions.fire(manager, made.partnership.id, "begin_identification")
    transitions.fire(manager, made.partnership.id, "put_on_hold", "Family away.")
    # Besides the one placement of the supervision week the changes asked for.
    row = (
        factories.session()
        .scalars(select(OutboxMessage).where(OutboxMessage.job_name != PLACEMENT_JOB))
        .one()
    )
    assert row.job_name == "tpm.stage_entered"
    assert row.dedupe_key.startswith(f"stage-entered-{made.partnership.id}-")
    assert row.payload["partnership_id"] == made.partnership.id
    assert row.payload["stage"] == "identification"
