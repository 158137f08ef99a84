"""The week's supervision blocks from the database: placed as supervision sessions in the
supervisor's availability and outside the partner's blocked times, replaced (not doubled)
when placed again, moved to the cover during an absence, unplaced work kept with its
reason; a placement job goes through the outbox once per change it follows."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select, update

from tpm_plugin.models import (
    AccessAudit,
    CoverGrant,
    NotificationLedger,
    OutboxMessage,
    Partnership,
    SupervisionSession,
    UnplacedSupervision,
)
from tpm_plugin.services import scheduling
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.supervision_placement.reminders import BLOCK_REMINDER_JOB, remind_block
from tpm_plugin.services.supervision_placement.requests import (
    PLACEMENT_JOB,
    local_monday,
    request_placements,
)
from tpm_plugin.services.supervision_placement.weekly import place_program_week

from . import factories
from .conftest import BACKENDS
from .test_list_queries import counting

ZONE = "America/Chicago"


def _next_monday() -> dt.date:
    return local_monday(ZONE, dt.datetime.now(dt.UTC)) + dt.timedelta(days=7)


def _active_world() -> factories.World:
    made = factories.world(timezone=ZONE)
    factories.activate(made)
    return made


def _window(weekday: str, starts: str, ends: str) -> dict:
    return {
        "weekday": ["monday", "tuesday", "wednesday"].index(weekday),
        "starts_at": dt.time.fromisoformat(starts),
        "ends_at": dt.time.fromisoformat(ends),
    }


def _sessions() -> list[SupervisionSession]:
    return list(
        factories.session().scalars(select(SupervisionSession).order_by(SupervisionSession.id))
    )


def _local(at: dt.datetime) -> dt.datetime:
    return at.astimezone(ZoneInfo(ZONE)).replace(tzinfo=None)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_partners_block_is_a_scheduled_session_in_the_supervisors_free_time(app: Flask):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("tuesday", "14:00", "16:00")],
    )
    scheduling.set_blocked_times(
        factories.actor(made.partner_user), made.partner.id, [_window("tuesday", "13:00", "15:00")]
    )
    monday = _next_monday()
    placement = place_program_week(made.program.id, monday)
    assert placement.unplaced == []
    [row] = _sessions()
    assert (row.supervisor_id, row.partner_id, row.status) == (
        made.supervisor.id,
        made.partner.id,
        "scheduled",
    )
    assert row.scheduled_minutes == 20
    assert _local(row.scheduled_at) == dt.datetime.combine(
        monday + dt.timedelta(days=1), dt.time(15)
    )
    assert row.placed_week == monday


def test_placing_a_week_again_replaces_its_scheduled_blocks_and_keeps_held_ones(app: Flask):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00")],
    )
    monday = _next_monday()
    place_program_week(made.program.id, monday)
    first = [(r.scheduled_at, r.scheduled_minutes) for r in _sessions()]
    place_program_week(made.program.id, monday)
    assert [(r.scheduled_at, r.scheduled_minutes) for r in _sessions()] == first
    with unit_of_work() as unit:
        unit.session.execute(update(SupervisionSession).values(status="held", held_minutes=20))
    place_program_week(made.program.id, monday)
    assert [r.status for r in _sessions()] == ["held"]


def test_a_supervisor_without_free_time_leaves_the_work_unplaced_with_its_reason(app: Flask):
    made = _active_world()
    monday = _next_monday()
    place_program_week(made.program.id, monday)
    [missing] = factories.session().scalars(select(UnplacedSupervision)).all()
    assert (missing.partner_id, missing.minutes, missing.reason) == (
        made.partner.id,
        20,
        "over capacity by 20 minutes",
    )
    assert _sessions() == []


def test_during_an_absence_the_block_is_placed_with_the_cover(app: Flask):
    made = _active_world()
    cover = factories.supervisor(made.program)
    monday = _next_monday()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00")],
    )
    scheduling.set_availability(
        factories.actor(made.manager_user), cover.id, [_window("monday", "13:00", "14:00")]
    )
    factories.absence(made, cover, monday, days=4)
    place_program_week(made.program.id, monday)
    [row] = _sessions()
    assert row.supervisor_id == cover.id
    assert _local(row.scheduled_at) == dt.datetime.combine(monday, dt.time(13))


def _relay_all() -> None:
    with unit_of_work() as unit:
        unit.session.execute(update(OutboxMessage).values(relayed_at=dt.datetime.now(dt.UTC)))


def test_the_periodic_look_adds_a_placement_job_only_when_none_waits_and_the_week_changed(
    app: Flask,
):
    made = _active_world()
    now = dt.datetime.now(dt.UTC)
    jobs = select(OutboxMessage).where(OutboxMessage.job_name == PLACEMENT_JOB)
    # Opening and activating the partnership asked for one placement of the week.
    [row] = factories.session().scalars(jobs).all()
    # It names no week: it places the program's current week when it runs.
    assert row.payload == {"program_id": made.program.id}
    assert request_placements(now) == 0
    _relay_all()
    # Relayed but the week never placed (the job lost, say): the safety net asks again.
    assert request_placements(now) == 1
    assert request_placements(now) == 0
    place_program_week(made.program.id, local_monday(ZONE, now))
    _relay_all()
    assert request_placements(now) == 0
    factories.withdraw(made)
    _relay_all()
    assert request_placements(dt.datetime.now(dt.UTC)) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_supervisors_week_shows_blocks_with_agendas_and_unplaced_work(app: Flask):
    made = _active_world()
    other = factories.partnership(made.program, supervisor=made.supervisor)
    monday = _next_monday()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "09:20")],
    )
    factories.session().execute(
        update(Partnership).where(Partnership.id == other.id).values(stage="active")
    )
    factories.session().commit()
    place_program_week(made.program.id, monday)
    client = app.test_client()
    url = f"/tpm/api/supervisors/{made.supervisor.id}/week?date={monday + dt.timedelta(days=2)}"
    answer = client.get(url, headers=factories.as_user(made.supervisor_user))
    assert answer.status_code == 200, answer.json
    week = answer.json
    assert week["week_starts_on"] == monday.isoformat()
    [block] = week["blocks"]
    assert block["minutes"] == 20 and not block["split"]
    assert [item["partnership_id"] for item in block["agenda"]] == [made.partnership.id]
    item = block["agenda"][0]
    assert item["stage"] == "active"
    assert {
        "meetings_held_last_week",
        "meetings_target_last_week",
        "missed_weeks",
        "review_due_at",
        "crisis_cadences",
    } <= set(item)
    assert [u["partner_id"] for u in week["unplaced"]] == [other.partner_id]
    assert week["unplaced"][0]["reason"].startswith("over capacity by ")
    assert "display_name" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_reading_the_week_leaves_a_row_for_its_sessions_and_one_for_its_partnerships(
    app: Flask,
):
    made = _active_world()
    monday = _next_monday()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "09:20")],
    )
    place_program_week(made.program.id, monday)
    [block] = _sessions()
    url = f"/tpm/api/supervisors/{made.supervisor.id}/week?date={monday}"
    with counting(app) as statements:
        answer = app.test_client().get(url, headers=factories.as_user(made.supervisor_user))
    assert answer.status_code == 200, answer.json
    rows = factories.session().scalars(
        select(AccessAudit)
        .where(AccessAudit.actor_id == made.supervisor_user, AccessAudit.action == "read_week")
        .order_by(AccessAudit.object_type)
    )
    assert [
        (row.object_type, row.object_ids, row.outcome, row.actor_role, row.program_id)
        for row in rows
    ] == [
        ("partnership", [made.partnership.id], "allowed", "supervisor", made.program.id),
        ("supervision_session", [block.id], "allowed", "supervisor", made.program.id),
    ]
    # Both rows go in with one statement: no round trip added for the second.
    assert len([s for s in statements if "tpm_access_audit" in s]) == 1


def test_another_supervisor_or_partner_cannot_read_the_week(app: Flask):
    made = factories.world()
    other = factories.supervisor(made.program)
    client = app.test_client()
    url = f"/tpm/api/supervisors/{made.supervisor.id}/week"
    for user in (other.host_user_id, made.partner_user):
        assert client.get(url, headers=factories.as_user(user)).status_code == 404
    bad = client.get(url + "?date=tuesday", headers=factories.as_user(made.supervisor_user))
    assert bad.status_code == 422
    assert "date" in bad.json["error"]["fields"]


def test_the_cover_reads_exactly_the_covered_partnerships_for_exactly_the_absence(app: Flask):
    made = _active_world()
    untouched = factories.partnership(made.program, supervisor=made.supervisor)
    cover = factories.supervisor(made.program)
    monday = local_monday(ZONE, dt.datetime.now(dt.UTC))
    every_day = [
        {"weekday": n, "starts_at": dt.time(0), "ends_at": dt.time(23, 59)} for n in range(7)
    ]
    scheduling.set_availability(factories.actor(made.manager_user), cover.id, every_day)
    factories.absence(made, cover, monday, days=6)
    place_program_week(made.program.id, monday)
    client = app.test_client()
    headers = factories.as_user(cover.host_user_id)
    assert (
        client.get(f"/tpm/api/partnerships/{made.partnership.id}", headers=headers).status_code
        == 200
    )
    assert client.get(f"/tpm/api/partnerships/{untouched.id}", headers=headers).status_code == 404
    rows = (
        factories.session()
        .execute(
            select(AccessAudit.action, AccessAudit.outcome).where(
                AccessAudit.actor_id == cover.host_user_id
            )
        )
        .all()
    )
    assert ("read", "allowed") in [tuple(r) for r in rows]
    # The grant ends with the absence: moved to last week, it no longer opens the door.
    with unit_of_work() as unit:
        unit.session.execute(
            update(CoverGrant).values(
                starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=14),
                ends_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=7),
            )
        )
    assert (
        client.get(f"/tpm/api/partnerships/{made.partnership.id}", headers=headers).status_code
        == 404
    )


def test_a_placed_block_reminds_partner_and_supervisor_once_per_lead_time(app: Flask):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00")],
    )
    # A week ahead, so both lead times are still to come.
    place_program_week(made.program.id, _next_monday() + dt.timedelta(days=7))
    [row] = _sessions()
    booked = (
        factories.session()
        .scalars(select(OutboxMessage).where(OutboxMessage.job_name == BLOCK_REMINDER_JOB))
        .all()
    )
    assert sorted(m.payload["lead_minutes"] for m in booked) == [60, 1440]
    assert {m.payload["session_id"] for m in booked} == {row.id}
    assert remind_block(row.id, 60) + remind_block(row.id, 60) <= 2
    sent = (
        factories.session()
        .scalars(
            select(NotificationLedger).where(NotificationLedger.kind == "supervision_reminder")
        )
        .all()
    )
    assert sorted(entry.recipient_ref for entry in sent) == sorted(
        [f"partner-{made.partner.id}", f"supervisor-{made.supervisor.id}"]
    )
    assert len({entry.occurrence for entry in sent}) == 1


def test_a_cancelled_block_sends_no_reminder(app: Flask):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00")],
    )
    place_program_week(made.program.id, _next_monday())
    [row] = _sessions()
    with unit_of_work() as unit:
        unit.session.execute(update(SupervisionSession).values(status="cancelled"))
    assert remind_block(row.id, 60) == 0
    assert factories.row_count(NotificationLedger) == 0


def test_the_place_command_places_each_programs_week(app: Flask):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00")],
    )
    week = _next_monday() + dt.timedelta(days=3)
    result = app.test_cli_runner().invoke(
        args=["tpm", "supervision", "place", "--program", str(made.program.id), "--week", f"{week}"]
    )
    assert result.exit_code == 0, result.output
    assert "Placed 1 blocks" in result.output
    assert [row.placed_week for row in _sessions()] == [_next_monday()]


def test_the_place_command_refuses_an_unknown_program(app: Flask):
    result = app.test_cli_runner().invoke(args=["tpm", "supervision", "place", "--program", "999"])
    assert result.exit_code == 2
    assert "No program 999" in result.output
    assert _sessions() == []


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_placed_block_is_logged_like_any_session_and_fidelity_counts_it(app: Flask):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00"), _window("tuesday", "09:00", "12:00")],
    )
    monday = _next_monday()
    place_program_week(made.program.id, monday)
    [block] = _sessions()
    client = app.test_client()
    headers = factories.as_user(made.supervisor_user)
    held = client.post(
        f"/tpm/api/supervision-sessions/{block.id}/outcome",
        json={
            "status": "held",
            "held_minutes": 20,
            "partnership_ids": [made.partnership.id],
            "partnership_minutes": [{"partnership_id": made.partnership.id, "minutes": 20}],
        },
        headers=headers,
    )
    assert held.status_code == 200, held.json
    read = client.get(f"/tpm/api/supervision-sessions/{block.id}", headers=headers)
    assert read.json["partnership_minutes"] == [
        {"partnership_id": made.partnership.id, "minutes": 20}
    ]
    fidelity = client.get(
        f"/tpm/api/partnerships/{made.partnership.id}/fidelity?from={monday}&to={monday}",
        headers=headers,
    )
    assert fidelity.status_code == 200, fidelity.json
    [week] = fidelity.json["weeks"]
    assert week["supervision"]["minutes_delivered"] == 20


def test_a_block_the_partner_missed_is_logged_as_no_show(app: Flask):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00")],
    )
    place_program_week(made.program.id, _next_monday())
    [block] = _sessions()
    answer = app.test_client().post(
        f"/tpm/api/supervision-sessions/{block.id}/outcome",
        json={"status": "no_show"},
        headers=factories.as_user(made.supervisor_user),
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["status"] == "no_show"


@pytest.mark.parametrize(
    ("split", "field"),
    [
        ([{"partnership_id": 999, "minutes": 10}], "partnership_minutes.0.partnership_id"),
        ([{"partnership_id": "own", "minutes": 30}], "partnership_minutes"),
    ],
)
def test_minutes_per_partnership_must_fit_the_held_minutes_and_partnerships(
    app: Flask, split: list, field: str
):
    made = _active_world()
    scheduling.set_availability(
        factories.actor(made.supervisor_user),
        made.supervisor.id,
        [_window("monday", "09:00", "12:00")],
    )
    place_program_week(made.program.id, _next_monday())
    [block] = _sessions()
    split = [
        {**item, "partnership_id": made.partnership.id} if item["partnership_id"] == "own" else item
        for item in split
    ]
    answer = app.test_client().post(
        f"/tpm/api/supervision-sessions/{block.id}/outcome",
        json={
            "status": "held",
            "held_minutes": 20,
            "partnership_ids": [made.partnership.id],
            "partnership_minutes": split,
        },
        headers=factories.as_user(made.supervisor_user),
    )
    assert answer.status_code == 422
    assert field in answer.json["error"]["fields"], answer.json
    assert [row.status for row in _sessions()] == ["scheduled"]


def test_placing_the_current_week_uses_only_the_time_still_ahead(app: Flask):
    made = _active_world()
    every_day = [
        {"weekday": n, "starts_at": dt.time(0), "ends_at": dt.time(23, 59)} for n in range(7)
    ]
    scheduling.set_availability(
        factories.actor(made.supervisor_user), made.supervisor.id, every_day
    )
    now = dt.datetime.now(dt.UTC)
    placement = place_program_week(made.program.id, local_monday(ZONE, now))
    rows = _sessions()
    assert all(row.scheduled_at >= now for row in rows)
    assert len(rows) + len(placement.unplaced) == 1
