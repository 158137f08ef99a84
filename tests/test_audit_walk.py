"""The access audit has no gaps: every route of the OpenAPI document, walked as each role,
leaves exactly one audit row per request that touches care data (whatever its answer:
allowed, 403/404, 409/422; one per kind of care record read for the few routes that read
several), at most one on the other routes, and none for an anonymous request."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from tpm_plugin.blueprints._audit import is_care_route
from tpm_plugin.blueprints.api import api_routes
from tpm_plugin.models import AccessAudit, IdentificationEntry, Meeting, Plan
from tpm_plugin.services import cadence_overrides, meetings, reviews, supervision
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
WHEN = dt.datetime(2024, 5, 6, 13, tzinfo=dt.UTC)
#: The group its one meeting is marked with, so the group-activity read finds something.
GROUP_ID = "0" * 32
#: Routes that, when they answer, read care records of several kinds: each kind read is
#: audited by a row of its own (the week: its supervision sessions, its agendas'
#: partnerships). A refusal still leaves one row.
ROWS_WHEN_ANSWERED = {f"{API}/supervisors/{{supervisor_id}}/week": 2}
ROLES = ("program_manager", "supervisor", "partner", "other_manager", "no_role", "anonymous")


def _world_with_every_record() -> tuple[factories.World, dict[str, int]]:
    made = factories.world(started_at=factories.LONG_AGO)
    factories.activate(made)
    manager = factories.actor(made.manager_user)
    pid = made.partnership.id
    meeting = meetings.add_meeting(manager, pid, {"scheduled_at": WHEN, "status": "scheduled"})
    session_row = supervision.add_session(
        factories.actor(made.supervisor_user),
        {"partner_id": made.partner.id, "scheduled_at": WHEN, "partnership_ids": [pid]},
    )
    review = reviews.add_review(
        manager,
        pid,
        {
            "held_at": WHEN,
            "participants": ["the client"],
            "discussion": "How it goes.",
            "outcome": "continue",
            "ratings": [],
        },
    )
    override = cadence_overrides.raise_cadence(
        manager, pid, {"weeks": 1, "reason": "A hard week.", "meetings_per_week": 3}
    )
    session().execute(update(Meeting).where(Meeting.id == meeting.id).values(group_id=GROUP_ID))
    session().commit()
    ids = {
        "partnership_id": pid,
        "override_id": override.id,
        "group_id": GROUP_ID,
        "entry_id": session().scalar(select(func.min(IdentificationEntry.id))),
        "plan_id": session().scalar(select(func.min(Plan.id))),
        "meeting_id": meeting.id,
        "session_id": session_row.id,
        "review_id": review.id,
        "program_id": made.program.id,
        "client_id": made.client.id,
        "partner_id": made.partner.id,
        "supervisor_id": made.supervisor.id,
        # No such manager: removing the world's only manager mid-walk would lock it out.
        "manager_id": 999_999,
        "draft_id": 1,
        "version": 1,
        # No such absence, intake source, dead letter, intake record or calendar feed address.
        "absence_id": 999_999,
        "source_id": 999_999,
        "dead_letter_id": 999_999,
        "intake_record_id": 999_999,
        "token": "no-such-feed",
    }
    return made, ids


def _path(template: str, ids: dict[str, int], made: factories.World) -> str:
    people = {"clients": made.client.id, "partners": made.partner.id}
    people["supervisors"] = made.supervisor.id

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "person_id":
            return str(people[template.removeprefix(API).strip("/").split("/")[0]])
        if name == "key":
            return "therapeutic_partnership"
        return str(ids[name])

    return re.sub(r"\{(\w+)\}", value, template)


def _audit_rows() -> int:
    session().rollback()
    return session().scalar(select(func.count()).select_from(AccessAudit))


def test_every_route_as_every_role_leaves_one_audit_row_per_care_request(
    app: Flask, client
) -> None:
    made, ids = _world_with_every_record()
    users = {
        "program_manager": made.manager_user,
        "supervisor": made.supervisor_user,
        "partner": made.partner_user,
        "other_manager": factories.world().manager_user,
        "no_role": factories.new_user_id(),
        "anonymous": None,
    }
    rules = {route.endpoint: route.rule for route in api_routes()}
    document = client.get(f"{API}/openapi.json").json
    gaps, statuses = [], Counter()
    # Erasing ends the partnership: walk it last, so every other route sees it open.
    operations = sorted(
        (
            (path, method)
            for path, item in document["paths"].items()
            for method in item
            if method in ("get", "post", "put", "patch", "delete")
        ),
        key=lambda operation: operation[0].endswith("/erase"),
    )
    for template, method in operations:
        endpoint = document["paths"][template][method]["operationId"]
        is_care = is_care_route(endpoint, rules[endpoint])
        for role in ROLES:
            before = _audit_rows()
            response = client.open(
                _path(template, ids, made),
                method=method.upper(),
                json={} if method in ("post", "put", "patch") else None,
                headers=as_user(users[role]),
            )
            written = _audit_rows() - before
            statuses[response.status_code] += 1
            if role == "anonymous":
                expected = {0}
            elif template in ROWS_WHEN_ANSWERED and response.status_code < 400:
                expected = {ROWS_WHEN_ANSWERED[template]}
            else:
                expected = {1} if is_care else {0, 1}
            if written not in expected:
                gaps.append(
                    f"{method.upper()} {template} as {role}: {response.status_code}, "
                    f"{written} audit rows"
                )
    assert gaps == []
    # The walk reached allowed answers, refusals and denials alike.
    assert {200, 401, 403, 404, 422} <= set(statuses)


def _only_new_row(before: int) -> AccessAudit:
    session().rollback()
    rows = session().scalars(select(AccessAudit).where(AccessAudit.id > before)).all()
    assert len(rows) == 1, [(row.action, row.outcome) for row in rows]
    return rows[0]


def _last_id() -> int:
    session().rollback()
    return session().scalar(select(func.coalesce(func.max(AccessAudit.id), 0)))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_successful_transition_leaves_one_allowed_row_with_the_role_that_allowed_it(
    client,
) -> None:
    made = factories.world()
    before = _last_id()
    response = client.post(
        f"{API}/partnerships/{made.partnership.id}/transitions",
        json={"trigger": "begin_identification"},
        headers=as_user(made.supervisor_user),
    )
    assert response.status_code == 200
    row = _only_new_row(before)
    assert (row.action, row.outcome, row.actor_role) == ("transition", "allowed", "supervisor")
    assert (row.partnership_id, row.program_id) == (made.partnership.id, made.program.id)


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_transition_refused_by_a_guard_leaves_one_refused_row(client) -> None:
    made = factories.world()
    client.post(
        f"{API}/partnerships/{made.partnership.id}/transitions",
        json={"trigger": "begin_identification"},
        headers=as_user(made.manager_user),
    )
    before = _last_id()
    response = client.post(
        f"{API}/partnerships/{made.partnership.id}/transitions",
        json={"trigger": "begin_planning"},
        headers=as_user(made.partner_user),
    )
    assert (response.status_code, response.json["error"]["code"]) == (409, "guard_failed")
    row = _only_new_row(before)
    assert (row.action, row.outcome, row.actor_role) == ("transition", "refused", "partner")


def test_an_empty_child_list_leaves_one_row_naming_no_ids(client) -> None:
    made = factories.world()
    before = _last_id()
    response = client.get(
        f"{API}/partnerships/{made.partnership.id}/reviews", headers=as_user(made.partner_user)
    )
    assert response.json["items"] == []
    row = _only_new_row(before)
    assert (row.object_type, row.object_ids, row.partnership_id) == (
        "review",
        [],
        made.partnership.id,
    )


def test_a_record_refused_on_a_closed_partnership_leaves_one_refused_row(client) -> None:
    made = factories.world()
    factories.withdraw(made)
    before = _last_id()
    response = client.post(
        f"{API}/partnerships/{made.partnership.id}/identification-entries",
        json={"kind": "client_voice", "domain": "play", "statement": "New."},
        headers=as_user(made.partner_user),
    )
    assert (response.status_code, response.json["error"]["code"]) == (422, "partnership_closed")
    row = _only_new_row(before)
    assert (row.action, row.outcome, row.actor_role) == ("create_entry", "refused", "partner")


def test_logging_a_meeting_twice_leaves_one_refused_row_for_the_second(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    meeting = meetings.add_meeting(
        factories.actor(made.partner_user),
        made.partnership.id,
        {"scheduled_at": WHEN, "status": "scheduled"},
    )
    path = f"{API}/meetings/{meeting.id}/outcome"
    body = {"status": "no_show"}
    assert client.post(path, json=body, headers=as_user(made.partner_user)).status_code == 200
    before = _last_id()
    again = client.post(path, json=body, headers=as_user(made.partner_user))
    assert again.status_code == 409
    row = _only_new_row(before)
    assert (row.object_type, row.object_id, row.outcome) == ("meeting", str(meeting.id), "refused")
