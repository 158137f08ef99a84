"""Firing transitions: roles, reasons, guards, audit, outbox, signals, locking and cost."""

from __future__ import annotations

import gc
import threading

import pytest
from flask import Flask
from sqlalchemy import event, func, insert, select
from transitions import Machine

from tpm_plugin.errors import Conflict
from tpm_plugin.models import (
    AccessAudit,
    OutboxMessage,
    Partnership,
    TransitionAudit,
)
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import session
from tpm_plugin.services.workflow_versions import STAGE_WORK_JOB
from tpm_plugin.signals import partnership_transitioned

from . import factories
from .conftest import BACKENDS
from .workflow_helpers import entry, plan, review, walk_to


def _url(partnership_id: int, tail: str = "transitions") -> str:
    return f"/tpm/api/partnerships/{partnership_id}/{tail}"


def _stage(partnership_id: int) -> str:
    session().expire_all()
    return session().scalar(select(Partnership.stage).where(Partnership.id == partnership_id))


def _audit_count(partnership_id: int) -> int:
    return session().scalar(
        select(func.count())
        .select_from(TransitionAudit)
        .where(TransitionAudit.partnership_id == partnership_id)
    )


@pytest.fixture
def world(app: Flask) -> factories.World:
    return factories.world()


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_manager_moves_a_referred_partnership_into_identification(client, world) -> None:
    pid = world.partnership.id
    response = client.post(
        _url(pid),
        json={"trigger": "begin_identification"},
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 200
    assert response.json["partnership_id"] == pid
    assert response.json["stage"] == "identification"
    assert response.json["previous_stage"] == "referred"
    assert response.json["workflow_version"] == 1
    assert _stage(pid) == "identification"


def test_a_transition_writes_one_audit_row_with_who_what_and_why(client, world) -> None:
    pid = world.partnership.id
    client.post(
        _url(pid),
        json={"trigger": "withdraw", "reason": "The family moved away."},
        headers=factories.as_user(world.supervisor_user),
    )
    rows = (
        session()
        .scalars(select(TransitionAudit).where(TransitionAudit.partnership_id == pid))
        .all()
    )
    assert [(r.from_stage, r.to_stage, r.trigger) for r in rows] == [
        ("referred", "withdrawn", "withdraw")
    ]
    assert rows[0].actor_id == world.supervisor_user
    assert rows[0].actor_role == "supervisor"
    assert rows[0].reason == "The family moved away."
    assert (rows[0].workflow_key, rows[0].workflow_version) == (world.program.workflow_key, 1)
    assert rows[0].occurred_at.tzinfo is not None


def test_history_lists_the_stage_changes_oldest_first(client, world) -> None:
    walk_to(world, "planning")
    response = client.get(
        _url(world.partnership.id, "history"), headers=factories.as_user(world.partner_user)
    )
    assert response.status_code == 200
    assert response.json["total"] == 2
    assert [item["trigger"] for item in response.json["items"]] == [
        "begin_identification",
        "begin_planning",
    ]


def test_reading_the_history_is_audited(client, world) -> None:
    client.get(_url(world.partnership.id, "history"), headers=factories.as_user(world.partner_user))
    action = session().scalar(
        select(AccessAudit.action).where(
            AccessAudit.actor_id == world.partner_user, AccessAudit.action == "read_history"
        )
    )
    assert action == "read_history"


def test_available_lists_what_the_user_may_do_and_why_the_rest_is_blocked(client, world) -> None:
    walk_to(world, "identification")
    response = client.get(_url(world.partnership.id), headers=factories.as_user(world.manager_user))
    assert response.status_code == 200
    assert response.json["stage"] == "identification"
    assert {o["trigger"] for o in response.json["available"]} == {"put_on_hold", "withdraw"}
    [blocked] = response.json["blocked"]
    assert blocked["trigger"] == "begin_planning"
    assert blocked["reasons"] == [
        {
            "guard": "identification_complete",
            "message": "Identification needs at least one client_voice entry and one "
            "observation or others_report entry.",
        }
    ]


def test_a_partner_is_told_which_role_a_transition_needs(client, world) -> None:
    response = client.get(_url(world.partnership.id), headers=factories.as_user(world.partner_user))
    blocked = {o["trigger"]: o["reasons"] for o in response.json["blocked"]}
    assert blocked["begin_identification"][0]["role"] == "program_manager, supervisor"
    assert response.json["available"] == []


def test_a_partner_may_not_take_a_managers_transition(client, world) -> None:
    pid = world.partnership.id
    response = client.post(
        _url(pid),
        json={"trigger": "begin_identification"},
        headers=factories.as_user(world.partner_user),
    )
    assert response.status_code == 403
    assert _stage(pid) == "referred"
    assert _audit_count(pid) == 0
    denied = session().scalar(
        select(AccessAudit.outcome).where(
            AccessAudit.actor_id == world.partner_user, AccessAudit.action == "transition"
        )
    )
    assert denied == "denied"


def test_a_manager_of_another_program_gets_404(client, world) -> None:
    other = factories.program()
    response = client.post(
        _url(world.partnership.id),
        json={"trigger": "begin_identification"},
        headers=factories.as_user(factories.program_manager_of(other)),
    )
    assert response.status_code == 404
    assert _stage(world.partnership.id) == "referred"


def test_nobody_logged_in_gets_401(client, world) -> None:
    response = client.post(_url(world.partnership.id), json={"trigger": "begin_identification"})
    assert response.status_code == 401


def test_an_unknown_trigger_is_409_with_the_available_triggers(client, world) -> None:
    response = client.post(
        _url(world.partnership.id),
        json={"trigger": "activate"},
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "unknown_trigger"
    assert response.json["error"]["stage"] == "referred"
    assert response.json["error"]["available"] == ["begin_identification", "withdraw"]


def test_a_failing_guard_is_409_naming_it_and_nothing_changes(client, world) -> None:
    walk_to(world, "identification")
    pid = world.partnership.id
    entry(pid, "client_voice")
    response = client.post(
        _url(pid), json={"trigger": "begin_planning"}, headers=factories.as_user(world.partner_user)
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "guard_failed"
    assert [r["guard"] for r in response.json["error"]["reasons"]] == ["identification_complete"]
    assert _stage(pid) == "identification"
    assert _audit_count(pid) == 1


def test_a_missing_reason_is_422_and_nothing_is_written(client, world) -> None:
    pid = world.partnership.id
    response = client.post(
        _url(pid), json={"trigger": "withdraw"}, headers=factories.as_user(world.manager_user)
    )
    assert response.status_code == 422
    assert "reason" in response.json["error"]["fields"]
    assert _stage(pid) == "referred"
    assert _audit_count(pid) == 0


def test_a_body_without_a_trigger_is_422(client, world) -> None:
    response = client.post(
        _url(world.partnership.id),
        json={"reason": "x"},
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 422
    assert "trigger" in response.json["error"]["fields"]


def test_a_body_with_an_unknown_field_is_422(client, world) -> None:
    response = client.post(
        _url(world.partnership.id),
        json={"trigger": "begin_identification", "stage": "closed"},
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 422
    assert "stage" in response.json["error"]["fields"]


def test_a_stale_expected_stage_is_409_with_the_current_stage_and_nothing_changes(
    client, world
) -> None:
    pid = world.partnership.id
    walk_to(world, "identification")
    response = client.post(
        _url(pid),
        json={"trigger": "withdraw", "reason": "Moved away.", "expected_stage": "referred"},
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "stage_changed"
    assert response.json["error"]["stage"] == "identification"
    assert _stage(pid) == "identification"
    assert _audit_count(pid) == 1


def test_a_matching_expected_stage_lets_the_transition_through(client, world) -> None:
    response = client.post(
        _url(world.partnership.id),
        json={"trigger": "begin_identification", "expected_stage": "referred"},
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 200
    assert response.json["stage"] == "identification"


def test_a_closed_partnership_takes_no_transition(client, world) -> None:
    manager = factories.actor(world.manager_user)
    transitions.fire(manager, world.partnership.id, "withdraw", "Moved away.")
    response = client.post(
        _url(world.partnership.id),
        json={"trigger": "begin_identification"},
        headers=factories.as_user(world.manager_user),
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "partnership_closed"
    assert response.json["error"]["stage"] == "withdrawn"


def test_identification_needs_a_voice_and_an_observation_or_report(world) -> None:
    walk_to(world, "identification")
    pid = world.partnership.id
    manager = factories.actor(world.manager_user)
    entry(pid, "client_voice")
    entry(pid, "others_report")
    assert transitions.fire(manager, pid, "begin_planning").stage == "planning"


def test_identification_ignores_entries_that_were_corrected(world) -> None:
    walk_to(world, "identification")
    pid = world.partnership.id
    manager = factories.actor(world.manager_user)
    entry(pid, "client_voice")
    observation = entry(pid, "observation")
    entry(pid, "client_voice", supersedes=observation)  # the observation was re-filed as voice
    with pytest.raises(Conflict):
        transitions.fire(manager, pid, "begin_planning")


def test_planning_needs_every_activity_of_the_newest_plan_to_answer_an_entry(world) -> None:
    walk_to(world, "planning")
    pid = world.partnership.id
    manager = factories.actor(world.manager_user)
    entry_id = entry(pid, "client_voice")
    plan(pid, 1, [[entry_id]])
    plan(pid, 2, [[entry_id], []])
    with pytest.raises(Conflict) as refused:
        transitions.fire(manager, pid, "activate")
    assert [r["guard"] for r in refused.value.extra["reasons"]] == ["plan_complete"]


def test_planning_with_an_empty_plan_is_refused(world) -> None:
    walk_to(world, "planning")
    pid = world.partnership.id
    plan(pid, 1, [])
    with pytest.raises(Conflict):
        transitions.fire(factories.actor(world.manager_user), pid, "activate")


def test_activation_needs_a_partner_and_a_supervisor(world) -> None:
    walk_to(world, "planning")
    pid = world.partnership.id
    plan(pid, 1, [[entry(pid, "client_voice")]])
    partnership = session().get(Partnership, pid)
    partnership.supervisor_id = None
    session().commit()
    with pytest.raises(Conflict) as refused:
        transitions.fire(factories.actor(world.manager_user), pid, "activate")
    assert [r["guard"] for r in refused.value.extra["reasons"]] == [
        "partner_and_supervisor_assigned"
    ]


def test_closing_needs_the_latest_review_to_decide_close(world) -> None:
    walk_to(world, "review")
    pid = world.partnership.id
    manager = factories.actor(world.manager_user)
    review(pid, "close", days_ago=7)
    review(pid, "continue", days_ago=0)
    with pytest.raises(Conflict):
        transitions.fire(manager, pid, "begin_closing")
    review(pid, "close", days_ago=0)
    # Two reviews on the same day: the later one (higher id) is the latest.
    assert transitions.fire(manager, pid, "begin_closing").stage == "closing"
    assert transitions.fire(manager, pid, "close").ended_at is not None


def test_a_partnership_on_hold_resumes_in_the_stage_it_left(world) -> None:
    walk_to(world, "planning")
    pid = world.partnership.id
    manager = factories.actor(world.manager_user)
    transitions.fire(manager, pid, "put_on_hold", "Client in hospital.")
    assert session().get(Partnership, pid).held_from_stage == "planning"
    with pytest.raises(Conflict):
        transitions.fire(manager, pid, "resume_active")
    assert transitions.fire(manager, pid, "resume_planning").stage == "planning"
    assert session().get(Partnership, pid).held_from_stage is None


def test_entering_a_stage_that_owes_writes_an_outbox_row(world) -> None:
    walk_to(world, "active")
    pid = world.partnership.id
    rows = (
        session()
        .scalars(select(OutboxMessage).where(OutboxMessage.job_name == STAGE_WORK_JOB))
        .all()
    )
    assert [(r.payload["partnership_id"], r.payload["stage"]) for r in rows] == [
        (pid, "identification"),
        (pid, "planning"),
        (pid, "active"),
    ]


def test_entering_a_stage_that_owes_nothing_writes_no_outbox_row(world) -> None:
    walk_to(world, "planning")
    before = session().scalar(select(func.count()).select_from(OutboxMessage))
    transitions.fire(
        factories.actor(world.manager_user), world.partnership.id, "put_on_hold", "Away."
    )
    assert session().scalar(select(func.count()).select_from(OutboxMessage)) == before


def test_partnership_transitioned_is_sent_after_the_commit(app, world) -> None:
    seen = []

    def receiver(sender, **details) -> None:
        # A fresh connection sees the change: the signal came after the commit.
        with app.extensions["sqlalchemy"].engine.connect() as connection:
            stage = connection.scalar(
                select(Partnership.stage).where(Partnership.id == details["partnership_id"])
            )
        seen.append((details["from_stage"], details["to_stage"], details["trigger"], stage))

    with partnership_transitioned.connected_to(receiver):
        transitions.fire(
            factories.actor(world.manager_user), world.partnership.id, "begin_identification"
        )
    assert seen == [("referred", "identification", "begin_identification", "identification")]


def test_no_signal_is_sent_when_a_transition_is_refused(world) -> None:
    seen = []
    manager = factories.actor(world.manager_user)
    with (
        partnership_transitioned.connected_to(lambda sender, **kw: seen.append(kw)),
        pytest.raises(Conflict),
    ):
        transitions.fire(manager, world.partnership.id, "close")
    assert seen == []


def _statements_of_activation(app: Flask, world: factories.World, history_rows: int) -> int:
    walk_to(world, "planning")
    pid = world.partnership.id
    entries = [entry(pid, "client_voice") for _ in range(history_rows)]
    plan(pid, 1, [entries])
    session().execute(
        insert(TransitionAudit),
        [
            {
                "partnership_id": pid,
                "from_stage": "planning",
                "to_stage": "planning",
                "trigger": "noted",
                "workflow_key": "therapeutic_partnership",
                "workflow_version": 1,
            }
            for _ in range(history_rows)
        ],
    )
    session().commit()
    manager = factories.actor(world.manager_user)
    statements: list[str] = []
    engine = app.extensions["sqlalchemy"].engine

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        transitions.fire(manager, pid, "activate")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_transition_costs_the_same_few_statements_however_long_the_history(app) -> None:
    short = _statements_of_activation(app, factories.world(), 1)
    long = _statements_of_activation(app, factories.world(), 50)
    assert short == long
    # Load the partnership, one query per guard of ``activate`` that asks the database (the
    # plan answers the client; no review asked to revisit the plan since), then on
    # PostgreSQL one statement that updates the stage and inserts the transition row, the
    # access-audit row and the outbox job (data-modifying CTEs); SQLite has none, so there
    # the update, the outbox job, the transition row and the access-audit row are four.
    folded = app.extensions["sqlalchemy"].engine.dialect.name == "postgresql"
    assert long == (4 if folded else 7)


def test_one_machine_serves_every_partnership_on_a_version(app) -> None:
    world = factories.world()
    program_id = world.program.id
    template = session().get(Partnership, world.partnership.id)
    rows = [
        {
            "program_id": program_id,
            "client_id": template.client_id,
            "partner_id": template.partner_id,
            "supervisor_id": template.supervisor_id,
            "stage": "referred",
            "workflow_key": world.program.workflow_key,
            "workflow_version": 1,
        }
        for _ in range(1000)
    ]
    session().execute(insert(Partnership), rows)
    session().commit()
    gc.collect()
    machines_before = sum(isinstance(o, Machine) for o in gc.get_objects())
    manager = factories.actor(world.manager_user)
    ids = session().scalars(select(Partnership.id).order_by(Partnership.id)).all()
    for pid in ids:
        transitions.available(manager, pid)
    for pid in ids[:50]:
        transitions.fire(manager, pid, "begin_identification")
    gc.collect()
    state = app.extensions["tpm"]
    assert list(state.machines) == [(world.program.workflow_key, 1)]
    assert sum(isinstance(o, Machine) for o in gc.get_objects()) - machines_before <= 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_of_two_concurrent_transitions_exactly_one_wins(app: Flask) -> None:
    world = factories.world()
    pid = world.partnership.id
    manager = factories.actor(world.manager_user)
    barrier = threading.Barrier(2)
    outcomes: list[tuple[str, str]] = []

    def attempt() -> None:
        with app.app_context():
            barrier.wait()
            try:
                stage = transitions.fire(manager, pid, "begin_identification").stage
                outcomes.append(("ok", stage))
            except Conflict as refused:
                outcomes.append((refused.code, refused.extra["stage"]))
            finally:
                app.extensions["sqlalchemy"].session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [("ok", "identification"), ("unknown_trigger", "identification")]
    assert _audit_count(pid) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_of_two_concurrent_withdrawals_expecting_one_stage_the_loser_hears_it_changed(
    app: Flask,
) -> None:
    world = factories.world()
    pid = world.partnership.id
    manager = factories.actor(world.manager_user)
    barrier = threading.Barrier(2)
    outcomes: list[tuple[str, str]] = []

    def attempt(trigger: str, reason: str | None) -> None:
        with app.app_context():
            barrier.wait()
            try:
                done = transitions.transition(
                    manager, pid, trigger, reason, expected_stage="referred"
                )
                outcomes.append(("ok", done.stage))
            except Conflict as refused:
                outcomes.append((refused.code, refused.extra["stage"]))
            finally:
                app.extensions["sqlalchemy"].session.remove()

    threads = [
        threading.Thread(target=attempt, args=("begin_identification", None)),
        threading.Thread(target=attempt, args=("withdraw", "Moved away.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winner = next(stage for code, stage in outcomes if code == "ok")
    assert sorted(outcomes) == sorted([("ok", winner), ("stage_changed", winner)])
    assert _audit_count(pid) == 1
