"""Availability, absences and blocked times through the API: the supervisor (or a manager
for them) keeps weekly windows and absences with a cover, the partner keeps the times they
cannot attend; anyone else gets a 404; every read and change is audited; bad input is
refused naming the field, and nothing is written."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.models import Absence, AccessAudit, AvailabilityWindow, BlockedTime

from . import factories
from .conftest import BACKENDS

WINDOWS = {
    "windows": [
        {"weekday": "wednesday", "starts_at": "09:00", "ends_at": "12:00"},
        {"weekday": "monday", "starts_at": "14:00", "ends_at": "17:30"},
    ]
}


def _availability(supervisor_id: int) -> str:
    return f"/tpm/api/supervisors/{supervisor_id}/availability"


def _absences(supervisor_id: int) -> str:
    return f"/tpm/api/supervisors/{supervisor_id}/absences"


def _blocked(partner_id: int) -> str:
    return f"/tpm/api/partners/{partner_id}/blocked-times"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("who", ["supervisor_user", "manager_user"])
def test_supervisor_and_manager_set_and_read_weekly_availability(app: Flask, who: str):
    world = factories.world(timezone="Europe/Berlin")
    client = app.test_client()
    headers = factories.as_user(getattr(world, who))
    put = client.put(_availability(world.supervisor.id), json=WINDOWS, headers=headers)
    assert put.status_code == 200, put.json
    got = client.get(_availability(world.supervisor.id), headers=headers)
    assert got.json == put.json
    assert got.json["timezone"] == "Europe/Berlin"
    assert got.json["windows"] == [WINDOWS["windows"][1], WINDOWS["windows"][0]]


def test_partner_and_other_supervisor_cannot_reach_a_supervisors_availability(app: Flask):
    world = factories.world()
    other = factories.supervisor(world.program)
    client = app.test_client()
    for user in (world.partner_user, other.host_user_id):
        headers = factories.as_user(user)
        assert client.get(_availability(world.supervisor.id), headers=headers).status_code == 404
        answer = client.put(_availability(world.supervisor.id), json=WINDOWS, headers=headers)
        assert answer.status_code == 404
        assert answer.json["error"]["code"] == "not_found"
    assert factories.row_count(AvailabilityWindow) == 0


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ({"weekday": "funday", "starts_at": "09:00", "ends_at": "10:00"}, "weekday"),
        ({"weekday": "monday", "starts_at": "11:00", "ends_at": "10:00"}, "ends_at"),
        ({"weekday": "monday", "starts_at": "9 am", "ends_at": "10:00"}, "starts_at"),
    ],
)
def test_a_bad_window_is_refused_naming_its_field(app: Flask, window: dict, field: str):
    world = factories.world()
    answer = app.test_client().put(
        _availability(world.supervisor.id),
        json={"windows": [window]},
        headers=factories.as_user(world.supervisor_user),
    )
    assert answer.status_code == 422
    assert any(name.endswith(field) for name in answer.json["error"]["fields"]), answer.json
    assert factories.row_count(AvailabilityWindow) == 0


def test_overlapping_windows_are_refused(app: Flask):
    world = factories.world()
    overlapping = {
        "windows": [
            {"weekday": "monday", "starts_at": "09:00", "ends_at": "12:00"},
            {"weekday": "monday", "starts_at": "11:00", "ends_at": "13:00"},
        ]
    }
    answer = app.test_client().put(
        _availability(world.supervisor.id),
        json=overlapping,
        headers=factories.as_user(world.supervisor_user),
    )
    assert answer.status_code == 422
    assert "windows.1" in answer.json["error"]["fields"]


def test_partner_sets_blocked_times_a_stranger_gets_404(app: Flask):
    world = factories.world()
    stranger = factories.partner(world.program)
    client = app.test_client()
    put = client.put(
        _blocked(world.partner.id), json=WINDOWS, headers=factories.as_user(world.partner_user)
    )
    assert put.status_code == 200, put.json
    assert len(put.json["windows"]) == 2
    headers = factories.as_user(stranger.host_user_id)
    assert client.get(_blocked(world.partner.id), headers=headers).status_code == 404
    assert (
        client.put(_blocked(world.partner.id), json={"windows": []}, headers=headers).status_code
        == 404
    )
    assert factories.row_count(BlockedTime) == 2


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_supervisor_records_an_absence_with_a_cover_and_removes_it(app: Flask):
    world = factories.world()
    cover = factories.supervisor(world.program)
    client = app.test_client()
    headers = factories.as_user(world.supervisor_user)
    created = client.post(
        _absences(world.supervisor.id),
        json={"starts_on": "2026-12-07", "ends_on": "2026-12-11", "cover_supervisor_id": cover.id},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    assert created.json["cover_supervisor_id"] == cover.id
    listed = client.get(_absences(world.supervisor.id), headers=headers)
    assert [a["id"] for a in listed.json["items"]] == [created.json["id"]]
    url = f"{_absences(world.supervisor.id)}/{created.json['id']}"
    assert client.delete(url, headers=headers).status_code == 204
    assert factories.row_count(Absence) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_on": "2026-12-11", "ends_on": "2026-12-07"}, "ends_on"),
        ({"starts_on": "someday", "ends_on": "2026-12-07"}, "starts_on"),
        ({"ends_on": "2026-12-07"}, "starts_on"),
    ],
)
def test_a_bad_absence_is_refused_naming_its_field(app: Flask, body: dict, field: str):
    world = factories.world()
    answer = app.test_client().post(
        _absences(world.supervisor.id), json=body, headers=factories.as_user(world.supervisor_user)
    )
    assert answer.status_code == 422
    assert field in answer.json["error"]["fields"]
    assert factories.row_count(Absence) == 0


def test_a_cover_from_another_program_or_oneself_is_refused(app: Flask):
    world = factories.world()
    elsewhere = factories.supervisor(factories.program())
    client = app.test_client()
    headers = factories.as_user(world.supervisor_user)
    for cover_id in (elsewhere.id, world.supervisor.id, 999999):
        answer = client.post(
            _absences(world.supervisor.id),
            json={
                "starts_on": "2026-12-07",
                "ends_on": "2026-12-08",
                "cover_supervisor_id": cover_id,
            },
            headers=headers,
        )
        assert answer.status_code == 422
        assert "cover_supervisor_id" in answer.json["error"]["fields"]
    assert factories.row_count(Absence) == 0


def test_another_supervisors_absence_cannot_be_removed(app: Flask):
    world = factories.world()
    other = factories.supervisor(world.program, user_id=factories.new_user_id())
    client = app.test_client()
    created = client.post(
        _absences(world.supervisor.id),
        json={"starts_on": "2026-12-07", "ends_on": "2026-12-08"},
        headers=factories.as_user(world.supervisor_user),
    )
    own = factories.as_user(other.host_user_id)
    assert (
        client.delete(f"{_absences(other.id)}/{created.json['id']}", headers=own).status_code == 404
    )
    assert (
        client.delete(
            f"{_absences(world.supervisor.id)}/{created.json['id']}", headers=own
        ).status_code
        == 404
    )
    assert factories.row_count(Absence) == 1


def test_reads_changes_and_refusals_of_schedules_are_audited(app: Flask):
    world = factories.world()
    client = app.test_client()
    sid = world.supervisor.id
    client.put(_availability(sid), json=WINDOWS, headers=factories.as_user(world.supervisor_user))
    client.get(_availability(sid), headers=factories.as_user(world.manager_user))
    client.get(_availability(sid), headers=factories.as_user(world.partner_user))
    rows = (
        app.extensions["sqlalchemy"]
        .session.execute(
            select(AccessAudit.action, AccessAudit.outcome)
            .where(
                AccessAudit.object_type == "supervisor",
                AccessAudit.object_id == str(sid),
                AccessAudit.action.like("%availability"),
            )
            .order_by(AccessAudit.id)
        )
        .all()
    )
    assert [tuple(r) for r in rows] == [
        ("set_availability", "allowed"),
        ("read_availability", "allowed"),
        ("read_availability", "denied"),
    ]


def _denied(user: str) -> list[tuple[str, str, str]]:
    rows = factories.session().execute(
        select(AccessAudit.object_type, AccessAudit.object_id, AccessAudit.action)
        .where(AccessAudit.actor_id == user, AccessAudit.outcome == "denied")
        .order_by(AccessAudit.id)
    )
    return [tuple(row) for row in rows]


def test_a_supervisor_in_two_programs_reaches_the_schedule_and_week_of_both_rows(app: Flask):
    world = factories.world()
    # One host user, two supervisor rows: one per program they supervise in.
    second = factories.supervisor(factories.program(), user_id=world.supervisor_user)
    client = app.test_client()
    headers = factories.as_user(world.supervisor_user)
    for sid in (world.supervisor.id, second.id):
        put = client.put(_availability(sid), json=WINDOWS, headers=headers)
        assert put.status_code == 200, put.json
        assert client.get(_availability(sid), headers=headers).json == put.json
        assert client.get(_absences(sid), headers=headers).status_code == 200
        week = client.get(f"/tpm/api/supervisors/{sid}/week", headers=headers)
        assert week.status_code == 200, week.json
        assert week.json["supervisor_id"] == sid
    assert factories.row_count(AvailabilityWindow) == 4
    # A third program's supervisor stays out of reach, and each attempt is audited denied.
    foreign = factories.supervisor(factories.program())
    for url in (_availability(foreign.id), f"/tpm/api/supervisors/{foreign.id}/week"):
        assert client.get(url, headers=headers).status_code == 404
    assert _denied(world.supervisor_user) == [
        ("supervisor", str(foreign.id), "read_availability"),
        ("supervisor", str(foreign.id), "read_week"),
    ]


def test_a_partner_in_two_programs_keeps_the_blocked_times_of_both_rows(app: Flask):
    world = factories.world()
    second = factories.partner(factories.program(), user_id=world.partner_user)
    client = app.test_client()
    headers = factories.as_user(world.partner_user)
    for pid in (world.partner.id, second.id):
        put = client.put(_blocked(pid), json=WINDOWS, headers=headers)
        assert put.status_code == 200, put.json
        assert client.get(_blocked(pid), headers=headers).json == put.json
    assert factories.row_count(BlockedTime) == 4
    foreign = factories.partner(factories.program())
    assert client.get(_blocked(foreign.id), headers=headers).status_code == 404
    assert _denied(world.partner_user) == [("partner", str(foreign.id), "read_blocked_times")]
