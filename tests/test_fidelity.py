"""Fidelity per week: meetings against the target, supervision minutes against owed.

Rows are created directly with the models (what the record services would write), and the
figures are read through the API as each role would.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, insert, select

from tpm_plugin.models import (
    AccessAudit,
    Meeting,
    Partner,
    Partnership,
    Program,
    ProgramManager,
    SupervisionSession,
    Supervisor,
    TransitionAudit,
    Workflow,
    WorkflowVersion,
    supervision_discussed,
)
from tpm_plugin.services._unit import unit_of_work

from .conftest import BACKENDS

NEW_YORK = ZoneInfo("America/New_York")
MANAGER, SUPERVISOR, PARTNER, OTHER_PARTNER, STRANGER = "10", "20", "30", "31", "99"
# Two weeks in New York; US daylight saving time starts on Sunday 2024-03-10.
WINDOW = "from=2024-03-04&to=2024-03-17"
STARTED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def app(app_without_context: Flask) -> Flask:
    # No app context stays pushed, so each request resolves its own actor.
    return app_without_context


@pytest.fixture
def world(app: Flask) -> dict[str, int]:
    """A New York program with a manager, a supervisor, two partners, and an unrelated
    program; partner 1 has two partnerships, partner 2 one."""
    with app.app_context(), unit_of_work() as unit:
        s = unit.session
        program = Program(key="yes", name="Children YES", timezone="America/New_York")
        elsewhere = Program(key="far", name="Elsewhere", timezone="UTC")
        s.add_all([program, elsewhere])
        s.flush()
        s.add(ProgramManager(program_id=program.id, host_user_id=MANAGER))
        supervisor = Supervisor(program_id=program.id, display_name="S", host_user_id=SUPERVISOR)
        partner = Partner(program_id=program.id, display_name="P", host_user_id=PARTNER)
        other = Partner(program_id=program.id, display_name="Q", host_user_id=OTHER_PARTNER)
        s.add_all([supervisor, partner, other])
        s.flush()
        ids = {
            "program": program.id,
            "elsewhere": elsewhere.id,
            "supervisor": supervisor.id,
            "partner": partner.id,
            "other_partner": other.id,
        }
        first = _partnership(s, program.id, partner.id, supervisor.id)
        second = _partnership(s, program.id, partner.id, supervisor.id)
        third = _partnership(s, program.id, other.id, None)
        far = _partnership(s, elsewhere.id, None, None)
        ids.update(first=first, second=second, third=third, far=far)
    return ids


def _partnership(session, program_id: int, partner_id, supervisor_id, **values) -> int:
    from tpm_plugin.models import Client

    client = Client(program_id=program_id)
    session.add(client)
    session.flush()
    row = Partnership(
        program_id=program_id,
        client_id=client.id,
        partner_id=partner_id,
        supervisor_id=supervisor_id,
        stage=values.pop("stage", "active"),
        workflow_key=values.pop("workflow_key", "therapeutic_partnership"),
        workflow_version=values.pop("workflow_version", 1),
        started_at=values.pop("started_at", STARTED),
        **values,
    )
    session.add(row)
    session.flush()
    return row.id


def _local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NEW_YORK)


def _meeting(app: Flask, partnership_id: int, when: dt.datetime, status="held", **values) -> int:
    with app.app_context(), unit_of_work() as unit:
        meeting = Meeting(partnership_id=partnership_id, scheduled_at=when, status=status, **values)
        unit.session.add(meeting)
        unit.session.flush()
        return meeting.id


def _session(
    app: Flask, world, when, minutes, status="held", discussed=(), partner="partner"
) -> None:
    with app.app_context(), unit_of_work() as unit:
        row = SupervisionSession(
            supervisor_id=world["supervisor"],
            partner_id=world[partner],
            scheduled_at=when,
            scheduled_minutes=40,
            status=status,
            held_minutes=minutes if status == "held" else None,
        )
        unit.session.add(row)
        unit.session.flush()
        for partnership_id in discussed:
            unit.session.execute(
                insert(supervision_discussed).values(
                    session_id=row.id, partnership_id=partnership_id
                )
            )


def _get(client, path: str, user: str = MANAGER, query: str = WINDOW):
    return client.get(f"/tpm/api/{path}/fidelity?{query}", headers={"X-Test-User": user})


def _weeks(response) -> list[dict]:
    assert response.status_code == 200, response.json
    return response.json["weeks"]


# --- meetings -------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_week_counts_held_meetings_cancellations_by_whom_and_no_shows(
    app: Flask, client, world
) -> None:
    pid = world["first"]
    for day in (4, 5):
        _meeting(app, pid, _local(2024, 3, day, 16))
    _meeting(app, pid, _local(2024, 3, 6, 16), "cancelled", cancelled_by="client")
    _meeting(app, pid, _local(2024, 3, 7, 16), "cancelled", cancelled_by="partner")
    _meeting(app, pid, _local(2024, 3, 7, 17), "cancelled", cancelled_by="center")
    _meeting(app, pid, _local(2024, 3, 8, 16), "no_show")
    _meeting(app, pid, _local(2024, 3, 9, 16), "scheduled")

    week = _weeks(_get(client, f"partnerships/{pid}"))[0]

    assert week["week_start"] == "2024-03-04"
    assert week["meetings"] == {
        "target": 3,
        "held": 2,
        "cancelled": {"client": 1, "partner": 1, "center": 1},
        "no_shows": 1,
        "below_target": True,
        "partnerships_below_target": 1,
    }


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_weeks_start_monday_midnight_in_the_programs_timezone_across_dst(
    app: Flask, client, world
) -> None:
    pid = world["first"]
    _meeting(app, pid, _local(2024, 3, 4, 0, 0))  # first instant of week 1
    _meeting(app, pid, _local(2024, 3, 10, 23, 59))  # last minute of week 1, after DST began
    _meeting(app, pid, _local(2024, 3, 11, 0, 0))  # first instant of week 2
    _meeting(app, pid, _local(2024, 3, 17, 23, 59))  # last minute of week 2
    _meeting(app, pid, _local(2024, 3, 18, 0, 0))  # outside the window

    weeks = _weeks(_get(client, f"partnerships/{pid}"))

    assert [w["week_start"] for w in weeks] == ["2024-03-04", "2024-03-11"]
    assert [w["meetings"]["held"] for w in weeks] == [2, 2]


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    moments=st.lists(
        st.datetimes(
            min_value=dt.datetime(2024, 3, 1),
            max_value=dt.datetime(2024, 3, 21),
            timezones=st.just(dt.UTC),
        ),
        max_size=8,
    )
)
def test_week_bucketing_matches_local_calendar_weeks(app: Flask, client, world, moments) -> None:
    pid = world["first"]
    with app.app_context(), unit_of_work() as unit:
        unit.session.execute(delete(Meeting))
    for moment in moments:
        _meeting(app, pid, moment)
    expected = {dt.date(2024, 3, 4): 0, dt.date(2024, 3, 11): 0}
    for moment in moments:
        local = moment.astimezone(NEW_YORK).date()
        monday = local - dt.timedelta(days=local.weekday())
        if monday in expected:
            expected[monday] += 1

    weeks = _weeks(_get(client, f"partnerships/{pid}"))

    assert {dt.date.fromisoformat(w["week_start"]): w["meetings"]["held"] for w in weeks} == (
        expected
    )


def test_a_corrected_meeting_counts_once_as_its_newest_version(app: Flask, client, world) -> None:
    pid = world["first"]
    original = _meeting(app, pid, _local(2024, 3, 5, 16), "held")
    _meeting(app, pid, _local(2024, 3, 5, 16), "no_show", supersedes_id=original)

    week = _weeks(_get(client, f"partnerships/{pid}"))[0]

    assert (week["meetings"]["held"], week["meetings"]["no_shows"]) == (0, 1)


def test_a_week_with_the_target_met_is_not_below_target(app: Flask, client, world) -> None:
    pid = world["first"]
    for day in (4, 6, 8):
        _meeting(app, pid, _local(2024, 3, day, 16))

    body = _get(client, f"partnerships/{pid}").json

    assert body["weeks"][0]["meetings"]["below_target"] is False
    assert body["weeks"][1]["meetings"]["below_target"] is True
    assert body["summary"]["meeting_weeks_below_target"] == 1
    assert body["summary"]["meetings_held"] == 3
    assert body["summary"]["meetings_target"] == 6


def test_the_programs_meetings_per_week_sets_the_target(app: Flask, client, world) -> None:
    with app.app_context(), unit_of_work() as unit:
        unit.session.get(Program, world["program"]).meetings_per_week = 2
    week = _weeks(_get(client, f"partnerships/{world['first']}"))[0]
    assert week["meetings"]["target"] == 2


def test_a_stage_cadence_in_the_pinned_workflow_overrides_the_program_target(
    app: Flask, client, world
) -> None:
    definition = {
        "stages": [
            {"key": "active", "kind": "normal", "cadence": {"meetings_per_week": 5}},
            {"key": "closed", "kind": "terminal"},
        ]
    }
    with app.app_context(), unit_of_work() as unit:
        workflow = Workflow(key="therapeutic_partnership", name="TP")
        unit.session.add(workflow)
        unit.session.flush()
        unit.session.add(WorkflowVersion(workflow_id=workflow.id, version=1, definition=definition))
    week = _weeks(_get(client, f"partnerships/{world['first']}"))[0]
    assert week["meetings"]["target"] == 5


def test_a_partnership_closed_on_wednesday_owes_monday_to_wednesdays_share(
    app: Flask, client, world
) -> None:
    definition = {
        "stages": [
            {"key": "active", "kind": "normal", "cadence": {"owes": True}},
            {"key": "closed", "kind": "terminal"},
        ]
    }
    pid = world["first"]
    with app.app_context(), unit_of_work() as unit:
        workflow = Workflow(key="therapeutic_partnership", name="TP")
        unit.session.add(workflow)
        unit.session.flush()
        unit.session.add(WorkflowVersion(workflow_id=workflow.id, version=1, definition=definition))
        unit.session.add(
            TransitionAudit(
                partnership_id=pid,
                from_stage="active",
                to_stage="closed",
                trigger="close",
                workflow_key="therapeutic_partnership",
                workflow_version=1,
                occurred_at=_local(2024, 3, 13, 12),
            )
        )
        unit.session.get(Partnership, pid).stage = "closed"

    weeks = _weeks(_get(client, f"partnerships/{pid}"))

    # Closed at noon on Wednesday: 60 of the week's 168 hours owed.
    assert [w["owing_share"] for w in weeks] == [1, 0.36]
    assert [w["meetings"]["target"] for w in weeks] == [3, 1.07]
    assert [w["supervision"]["minutes_owed"] for w in weeks] == [20, 7.1]
    assert [w["meetings"]["below_target"] for w in weeks] == [True, True]


def test_weeks_before_a_partnership_started_owe_nothing_and_its_first_week_owes_a_share(
    app: Flask, client, world
) -> None:
    with app.app_context(), unit_of_work() as unit:
        pid = _partnership(
            unit.session, world["program"], world["partner"], None, started_at=_local(2024, 3, 12)
        )
    weeks = _weeks(_get(client, f"partnerships/{pid}"))
    # Started on Tuesday: six of the week's seven days owe.
    assert [w["meetings"]["target"] for w in weeks] == [0, 2.57]


def test_program_figures_add_up_its_partnerships_and_count_those_below_target(
    app: Flask, client, world
) -> None:
    for day in (4, 5, 6):
        _meeting(app, world["first"], _local(2024, 3, day, 16))
    _meeting(app, world["second"], _local(2024, 3, 4, 16))
    _meeting(app, world["far"], _local(2024, 3, 4, 16))  # another program

    week = _weeks(_get(client, f"programs/{world['program']}"))[0]

    assert week["meetings"]["target"] == 9
    assert week["meetings"]["held"] == 4
    assert week["meetings"]["partnerships_below_target"] == 2


# --- supervision ----------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partner_is_owed_minutes_per_client_for_each_open_partnership(
    app: Flask, client, world
) -> None:
    _session(app, world, _local(2024, 3, 5, 10), 30)
    _session(app, world, _local(2024, 3, 6, 10), 40, status="cancelled")
    _session(app, world, _local(2024, 3, 12, 10), 40)

    weeks = _weeks(_get(client, f"partners/{world['partner']}"))

    assert [w["supervision"] for w in weeks] == [
        {"minutes_owed": 40.0, "minutes_delivered": 30.0, "below_target": True},
        {"minutes_owed": 40.0, "minutes_delivered": 40.0, "below_target": False},
    ]


def test_a_partnership_gets_its_share_of_a_session_that_discussed_it(
    app: Flask, client, world
) -> None:
    _session(app, world, _local(2024, 3, 5, 10), 50, discussed=(world["first"], world["second"]))
    _session(app, world, _local(2024, 3, 6, 10), 20, discussed=(world["second"],))

    week = _weeks(_get(client, f"partnerships/{world['first']}"))[0]

    assert week["supervision"] == {
        "minutes_owed": 20.0,
        "minutes_delivered": 25.0,
        "below_target": False,
    }


def test_supervisor_figures_cover_the_partnerships_they_supervise(
    app: Flask, client, world
) -> None:
    _session(app, world, _local(2024, 3, 5, 10), 40)
    _meeting(app, world["third"], _local(2024, 3, 5, 16))  # not theirs

    week = _weeks(_get(client, f"supervisors/{world['supervisor']}", user=SUPERVISOR))[0]

    assert week["supervision"]["minutes_owed"] == 40
    assert week["supervision"]["minutes_delivered"] == 40
    assert week["meetings"]["target"] == 6
    assert week["meetings"]["held"] == 0


def test_program_supervision_owed_counts_every_open_partnership(app: Flask, client, world) -> None:
    _session(app, world, _local(2024, 3, 5, 10), 40)
    _session(app, world, _local(2024, 3, 5, 11), 20, partner="other_partner")

    body = _get(client, f"programs/{world['program']}").json

    assert body["weeks"][0]["supervision"]["minutes_owed"] == 60
    assert body["weeks"][0]["supervision"]["minutes_delivered"] == 60
    assert body["summary"]["supervision_weeks_below_target"] == 1
    assert body["timezone"] == "America/New_York"


# --- the window -----------------------------------------------------------------------------


def test_default_window_is_the_last_twelve_weeks_ending_this_week(
    app: Flask, client, world
) -> None:
    weeks = _weeks(_get(client, f"programs/{world['program']}", query=""))
    today = dt.datetime.now(NEW_YORK).date()
    assert len(weeks) == 12
    assert weeks[-1]["week_start"] == (today - dt.timedelta(days=today.weekday())).isoformat()


def test_weeks_parameter_sets_how_many_weeks(app: Flask, client, world) -> None:
    assert len(_weeks(_get(client, f"programs/{world['program']}", query="weeks=52"))) == 52


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("weeks=0", "weeks"),
        ("weeks=53", "weeks"),
        ("weeks=many", "weeks"),
        ("weeks=2&from=2024-03-04", "weeks"),
        ("from=2024-03-18&to=2024-03-04", "from"),
        ("from=2023-01-02&to=2024-03-04", "to"),
        ("from=yesterday", "from"),
        ("colour=red", "colour"),
    ],
)
def test_a_bad_window_answers_422_naming_the_parameter(
    app: Flask, client, world, query: str, field: str
) -> None:
    response = _get(client, f"programs/{world['program']}", query=query)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "user"),
    [
        ("partnerships/{first}", MANAGER),
        ("partnerships/{first}", SUPERVISOR),
        ("partnerships/{first}", PARTNER),
        ("partners/{partner}", MANAGER),
        ("partners/{partner}", SUPERVISOR),
        ("partners/{partner}", PARTNER),
        ("supervisors/{supervisor}", MANAGER),
        ("supervisors/{supervisor}", SUPERVISOR),
        ("programs/{program}", MANAGER),
    ],
)
def test_each_role_reads_fidelity_within_its_scope(
    app: Flask, client, world, path: str, user: str
) -> None:
    assert _get(client, path.format(**world), user=user).status_code == 200


@pytest.mark.parametrize(
    ("path", "user", "status"),
    [
        ("partnerships/{first}", OTHER_PARTNER, 404),
        ("partnerships/{far}", MANAGER, 404),
        ("partnerships/{first}", STRANGER, 404),
        ("partnerships/999999", MANAGER, 404),
        ("partners/{partner}", OTHER_PARTNER, 404),
        ("partners/{other_partner}", SUPERVISOR, 404),
        ("supervisors/{supervisor}", PARTNER, 404),
        ("programs/{program}", SUPERVISOR, 403),
        ("programs/{program}", PARTNER, 403),
        ("programs/{program}", STRANGER, 404),
        ("programs/{elsewhere}", MANAGER, 404),
    ],
)
def test_fidelity_outside_the_actors_scope_is_refused_and_audited(
    app: Flask, client, world, path: str, user: str, status: int
) -> None:
    response = _get(client, path.format(**world), user=user)
    assert response.status_code == status
    with app.app_context():
        audit = app.extensions["sqlalchemy"].session.scalars(select(AccessAudit)).all()
    assert [(a.actor_id, a.action, a.outcome) for a in audit] == [(user, "read_fidelity", "denied")]


def test_fidelity_needs_a_logged_in_user(app: Flask, client, world) -> None:
    response = client.get(f"/tpm/api/programs/{world['program']}/fidelity")
    assert response.status_code == 401


def test_a_fidelity_read_is_audited(app: Flask, client, world) -> None:
    _get(client, f"partners/{world['partner']}", user=PARTNER)
    with app.app_context():
        audit = app.extensions["sqlalchemy"].session.scalars(select(AccessAudit)).one()
    assert (audit.actor_id, audit.object_type, audit.object_id, audit.outcome) == (
        PARTNER,
        "partner",
        str(world["partner"]),
        "allowed",
    )


# --- one statement per figure ---------------------------------------------------------------


def _statements_for_program(app: Flask, client, world, partnerships: int) -> list[str]:
    with app.app_context(), unit_of_work() as unit:
        for index in range(partnerships):
            pid = _partnership(unit.session, world["program"], world["partner"], None)
            unit.session.add(
                Meeting(partnership_id=pid, scheduled_at=_local(2024, 3, 5, index % 24))
            )
        engine = app.extensions["sqlalchemy"].engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = _get(client, f"programs/{world['program']}", query="weeks=12")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return statements


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_program_fidelity_runs_the_same_statements_for_10_and_200_partnerships(
    app: Flask, client, world, database_url: str
) -> None:
    few = _statements_for_program(app, client, world, 10)
    many = _statements_for_program(app, client, world, 190)
    assert len(few) == len(many)
    # Each figure is a single statement: one reads the meetings, one the supervision.
    assert sum("FROM tpm_meetings" in s or "JOIN tpm_meetings" in s for s in many) == 1
    assert sum("JOIN tpm_supervision_sessions" in s for s in many) == 1
