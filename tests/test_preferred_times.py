"""Preferred weekly meeting times through the API: the partner, the supervisor and the
program managers read and replace them; anyone else gets a 404; every read and change is
audited; bad input is refused naming the field, and nothing is written."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.models import AccessAudit, PreferredMeetingTime

from . import factories
from .conftest import BACKENDS

TIMES = {
    "times": [
        {"weekday": "tuesday", "time": "16:00"},
        {"weekday": "monday", "time": "17:30"},
        {"weekday": "thursday", "time": "16:00"},
    ]
}


def _url(partnership_id: int) -> str:
    return f"/tpm/api/partnerships/{partnership_id}/preferred-times"


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("who", ["partner_user", "supervisor_user", "manager_user"])
def test_partner_supervisor_and_manager_set_and_read_preferred_times(app: Flask, who: str):
    world = factories.world(timezone="America/Chicago")
    client = app.test_client()
    headers = factories.as_user(getattr(world, who))
    put = client.put(_url(world.partnership.id), json=TIMES, headers=headers)
    assert put.status_code == 200, put.json
    got = client.get(_url(world.partnership.id), headers=headers)
    assert got.json == put.json
    assert got.json["timezone"] == "America/Chicago"
    assert got.json["times"] == [
        {"weekday": "monday", "time": "17:30"},
        {"weekday": "tuesday", "time": "16:00"},
        {"weekday": "thursday", "time": "16:00"},
    ]


def test_replacing_preferred_times_keeps_only_the_new_ones(app: Flask):
    world = factories.world()
    client = app.test_client()
    headers = factories.as_user(world.partner_user)
    client.put(_url(world.partnership.id), json=TIMES, headers=headers)
    one = {"times": [{"weekday": "friday", "time": "09:15"}]}
    answer = client.put(_url(world.partnership.id), json=one, headers=headers)
    assert answer.json["times"] == one["times"]
    assert factories.row_count(PreferredMeetingTime) == 1


def test_another_partner_cannot_read_or_set_preferred_times(app: Flask):
    world = factories.world()
    stranger = factories.partner(world.program)
    client = app.test_client()
    headers = factories.as_user(stranger.host_user_id)
    assert client.get(_url(world.partnership.id), headers=headers).status_code == 404
    answer = client.put(_url(world.partnership.id), json=TIMES, headers=headers)
    assert answer.status_code == 404
    assert answer.json["error"]["code"] == "not_found"
    assert factories.row_count(PreferredMeetingTime) == 0


def test_reads_changes_and_refusals_of_preferred_times_are_audited(app: Flask):
    world = factories.world()
    stranger = factories.partner(world.program)
    client = app.test_client()
    pid = world.partnership.id
    client.put(_url(pid), json=TIMES, headers=factories.as_user(world.partner_user))
    client.get(_url(pid), headers=factories.as_user(world.supervisor_user))
    client.get(_url(pid), headers=factories.as_user(stranger.host_user_id))
    rows = (
        app.extensions["sqlalchemy"]
        .session.execute(
            select(AccessAudit.actor_id, AccessAudit.action, AccessAudit.outcome).where(
                AccessAudit.object_type == "partnership", AccessAudit.object_id == str(pid)
            )
        )
        .all()
    )
    assert (world.partner_user, "set_preferred_times", "allowed") in rows
    assert (world.supervisor_user, "read_preferred_times", "allowed") in rows
    assert (stranger.host_user_id, "read_preferred_times", "denied") in rows


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"times": [{"weekday": "funday", "time": "16:00"}]}, "times.0.weekday"),
        ({"times": [{"weekday": "monday", "time": "25:00"}]}, "times.0.time"),
        ({"times": [{"weekday": "monday", "time": "16:00", "note": "x"}]}, "times.0.note"),
        ({"times": [{"weekday": "monday"}]}, "times.0.time"),
        ({}, "times"),
        ({"times": [{"weekday": "monday", "time": "16:00"}] * 2}, "times.1"),
        ({"times": [{"weekday": "monday", "time": f"{h:02}:00"} for h in range(15)]}, "times"),
    ],
)
def test_bad_preferred_times_are_refused_naming_the_field(app: Flask, body, field):
    world = factories.world()
    answer = app.test_client().put(
        _url(world.partnership.id), json=body, headers=factories.as_user(world.partner_user)
    )
    assert answer.status_code == 422
    assert field in answer.json["error"]["fields"], answer.json
    assert factories.row_count(PreferredMeetingTime) == 0


def test_preferred_times_of_a_closed_partnership_cannot_change(app: Flask):
    world = factories.world()
    factories.withdraw(world)
    answer = app.test_client().put(
        _url(world.partnership.id), json=TIMES, headers=factories.as_user(world.manager_user)
    )
    assert answer.status_code == 422
    assert "times" in answer.json["error"]["fields"]


def test_preferred_times_need_a_logged_in_user(app: Flask):
    world = factories.world()
    assert app.test_client().get(_url(world.partnership.id)).status_code == 401


def test_preferred_times_are_in_the_openapi_document(app: Flask):
    document = app.test_client().get("/tpm/api/openapi.json").json
    assert {"get", "put"} <= set(
        document["paths"]["/tpm/api/partnerships/{partnership_id}/preferred-times"]
    )
    assert "get" in document["paths"]["/tpm/api/supervisors/{supervisor_id}/misses"]
