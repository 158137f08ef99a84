"""A supervisor covering an absence reads the covered partnership's care records on every
read route, for exactly the grant's period (not before, not after), each read audited with
the cover as the actor; every change stays refused."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tpm_plugin.blueprints.api import api_routes
from tpm_plugin.models import AccessAudit, CoverGrant, Partnership
from tpm_plugin.services._unit import session, unit_of_work

from . import factories
from .test_audit_walk import _world_with_every_record

API = "/tpm/api"
WHEN = dt.datetime(2024, 5, 6, 13, tzinfo=dt.UTC)


def _covered_world() -> tuple[factories.World, dict[str, int], str]:
    """A partnership with a record of every kind, and a cover holding a grant to it now
    (as the placement gives one when it moves the block to the cover)."""
    made, ids = _world_with_every_record()
    cover = factories.supervisor(made.program)
    today = dt.date.today()
    away = factories.absence(made, cover, today, days=2)
    factories.grant_cover(away, cover, [made.partnership.id], lasting=dt.timedelta(days=2))
    return made, ids, cover.host_user_id


def _read_urls(made: factories.World, ids: dict[str, int]) -> list[str]:
    pid = ids["partnership_id"]
    key, version = (
        session()
        .execute(
            select(Partnership.workflow_key, Partnership.workflow_version).where(
                Partnership.id == pid
            )
        )
        .one()
    )
    return [
        f"{API}/partnerships/{pid}",
        f"{API}/partnerships/{pid}/identification-entries",
        f"{API}/identification-entries/{ids['entry_id']}",
        f"{API}/partnerships/{pid}/plans",
        f"{API}/plans/{ids['plan_id']}",
        f"{API}/partnerships/{pid}/meetings",
        f"{API}/meetings/{ids['meeting_id']}",
        f"{API}/supervision-sessions/{ids['session_id']}",
        f"{API}/supervision-sessions?partnership_id={pid}",
        f"{API}/partnerships/{pid}/reviews",
        f"{API}/reviews/{ids['review_id']}",
        f"{API}/partnerships/{pid}/timeline",
        f"{API}/partnerships/{pid}/change",
        f"{API}/partnerships/{pid}/fidelity",
        f"{API}/partnerships/{pid}/cadence-overrides",
        f"{API}/cadence-overrides/{ids['override_id']}",
        f"{API}/partnerships/{pid}/transitions",
        f"{API}/partnerships/{pid}/history",
        f"{API}/partnerships/{pid}/preferred-times",
        f"{API}/workflows/{key}/versions/{version}/diagram?partnership={pid}&format=mermaid",
    ]


def _cover_rows(user: str) -> list[tuple]:
    session().rollback()
    return [
        tuple(row)
        for row in session().execute(
            select(AccessAudit.actor_role, AccessAudit.outcome)
            .where(AccessAudit.actor_id == user)
            .order_by(AccessAudit.id)
        )
    ]


def _move_grant(starts_in: dt.timedelta, ends_in: dt.timedelta) -> None:
    now = dt.datetime.now(dt.UTC)
    with unit_of_work() as unit:
        unit.session.execute(
            update(CoverGrant).values(starts_at=now + starts_in, ends_at=now + ends_in)
        )


def test_every_read_route_of_a_partnership_is_in_the_cover_walk(app: Flask):
    made, ids, _ = _covered_world()
    walked = {url.split("?")[0] for url in _read_urls(made, ids)}
    for route in api_routes():
        if "GET" not in route.methods or "partnership_id" not in route.rule:
            continue
        path = route.rule.split(">", 1)[1] if ">" in route.rule else ""
        assert f"{API}/partnerships/{ids['partnership_id']}{path}" in walked, route.rule


def test_the_cover_reads_every_read_route_during_the_grant_each_read_audited(
    app: Flask, client: FlaskClient
):
    made, ids, cover_user = _covered_world()
    headers = factories.as_user(cover_user)
    for url in _read_urls(made, ids):
        before = len(_cover_rows(cover_user))
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, (url, answer.get_json())
        rows = _cover_rows(cover_user)
        assert rows[before:] == [("supervisor", "allowed")], url


@pytest.mark.parametrize(
    ("starts_in", "ends_in"),
    [
        (dt.timedelta(days=1), dt.timedelta(days=3)),
        (dt.timedelta(days=-3), dt.timedelta(days=-1)),
    ],
    ids=["before", "after"],
)
def test_outside_the_grant_the_cover_reads_nothing_and_each_attempt_is_audited(
    app: Flask, client: FlaskClient, starts_in: dt.timedelta, ends_in: dt.timedelta
):
    made, ids, cover_user = _covered_world()
    _move_grant(starts_in, ends_in)
    headers = factories.as_user(cover_user)
    for url in _read_urls(made, ids):
        before = len(_cover_rows(cover_user))
        answer = client.get(url, headers=headers)
        if "?partnership_id=" in url:
            # A filtered list answers, with none of the covered partnership's sessions.
            assert answer.status_code == 200 and answer.json["items"] == [], url
            continue
        assert answer.status_code == 404, (url, answer.status_code)
        assert [outcome for _, outcome in _cover_rows(cover_user)[before:]] == ["denied"], url


def test_during_the_grant_the_cover_changes_nothing(app: Flask, client: FlaskClient):
    made, ids, cover_user = _covered_world()
    headers = factories.as_user(cover_user)
    pid = ids["partnership_id"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    writes = [
        ("PATCH", f"{API}/partnerships/{pid}", {"partner_id": made.partner.id}),
        ("POST", f"{API}/partnerships/{pid}/meetings", {"scheduled_at": later}),
        ("POST", f"{API}/meetings/{ids['meeting_id']}/outcome", {"status": "no_show"}),
        ("POST", f"{API}/partnerships/{pid}/transitions", {"trigger": "request_review"}),
        (
            "POST",
            f"{API}/supervision-sessions/{ids['session_id']}/outcome",
            {"status": "no_show"},
        ),
        (
            "POST",
            f"{API}/partnerships/{pid}/cadence-overrides",
            {"weeks": 1, "reason": "Covering.", "meetings_per_week": 4},
        ),
        (
            "POST",
            f"{API}/partnerships/{pid}/identification-entries",
            {"kind": "observation", "domain": "play", "statement": "Seen at play."},
        ),
    ]
    for method, url, body in writes:
        answer = client.open(url, method=method, json=body, headers=headers)
        assert answer.status_code in (403, 404), (method, url, answer.get_json())
    assert {outcome for _, outcome in _cover_rows(cover_user)} == {"denied"}
