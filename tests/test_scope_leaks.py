"""Existence does not leak: a supervisor reading a partner's fidelity sees only the
partnerships they supervise; linking another program's user makes them ours too, and a
second link names only our row; and no response to a user names an id outside their scope."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from flask import Flask

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"


def _held_meeting(client, world: factories.World, partnership_id: int) -> None:
    response = client.post(
        f"{API}/partnerships/{partnership_id}/meetings",
        json={
            "scheduled_at": dt.datetime.now(dt.UTC).isoformat(),
            "status": "held",
            "minutes": 30,
        },
        headers=as_user(world.manager_user),
    )
    assert response.status_code == 201, response.json


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_supervisor_sees_only_the_partners_partnerships_they_supervise(
    app: Flask, client
) -> None:
    world = factories.world()
    elsewhere = factories.partnership(world.program, partner=world.partner)
    _held_meeting(client, world, world.partnership.id)
    _held_meeting(client, world, elsewhere.id)
    url = f"{API}/partners/{world.partner.id}/fidelity?weeks=1"
    as_supervisor = client.get(url, headers=as_user(world.supervisor_user))
    as_manager = client.get(url, headers=as_user(world.manager_user))
    assert as_supervisor.status_code == as_manager.status_code == 200
    assert as_supervisor.json["summary"]["meetings_held"] == 1
    assert as_manager.json["summary"]["meetings_held"] == 2
    assert (
        as_supervisor.json["summary"]["meetings_target"] * 2
        == (as_manager.json["summary"]["meetings_target"])
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_linking_another_programs_user_succeeds_and_a_second_link_names_only_ours(
    app: Flask, client
) -> None:
    """A host user may be a partner or supervisor in several programs, once per program:
    the second link in the same program is a 409 naming that program's row, never theirs."""
    mine, theirs = factories.world(), factories.world()
    their_ids = {theirs.partner.id, theirs.supervisor.id, theirs.program.id}
    for kind, user in (("partners", theirs.partner_user), ("supervisors", theirs.supervisor_user)):
        body = {"program_id": mine.program.id, "display_name": "New", "host_user_id": user}
        headers = as_user(mine.manager_user)
        created = client.post(f"{API}/{kind}", json=body, headers=headers)
        assert created.status_code == 201, created.json
        assert created.json["program_id"] == mine.program.id
        assert created.json["id"] not in their_ids
        again = client.post(f"{API}/{kind}", json=body, headers=headers)
        assert again.status_code == 409, again.json
        assert f"{kind[:-1]} {created.json['id']}" in again.json["error"]["message"]
        assert not _numbers(again.json) & their_ids, (kind, json.dumps(again.json))


def test_linking_a_user_of_ones_own_program_twice_names_the_person(app: Flask, client) -> None:
    world = factories.world()
    response = client.post(
        f"{API}/partners",
        json={
            "program_id": world.program.id,
            "display_name": "Again",
            "host_user_id": world.partner_user,
        },
        headers=as_user(world.manager_user),
    )
    assert response.status_code == 409
    assert f"partner {world.partner.id}" in response.json["error"]["message"]


# --- no response names an id outside the asker's scope ---------------------------------

_ID_KEY = re.compile(r"(^|_)ids?$")


def _numbers(value: Any, key: str = "") -> set[int]:
    """Ids in a response: values of ``id``/``*_id``/``*_ids`` keys, and every number written
    in a sentence (messages and field errors); timestamps are skipped."""
    found: set[int] = set()
    if isinstance(value, dict):
        for name, item in value.items():
            found |= _numbers(item, name)
    elif isinstance(value, list):
        for item in value:
            found |= _numbers(item, key)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int) and _ID_KEY.search(key):
        found.add(value)
    elif isinstance(value, str) and not _is_timestamp(value):
        found |= {int(digits) for digits in re.findall(r"\b\d+\b", value)}
    return found


def _is_timestamp(value: str) -> bool:
    """A date or time names no id: its seconds (``…:07.68…``) are not partnership 7."""
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _requests(mine: factories.World, theirs: factories.World) -> list[tuple[str, str, Any, str]]:
    """(method, path, body, user): every way one program's people might ask about another's."""
    now = dt.datetime.now(dt.UTC).isoformat()
    manager, supervisor, partner = mine.manager_user, mine.supervisor_user, mine.partner_user
    requests: list[tuple[str, str, Any, str]] = []
    for user in (manager, supervisor, partner):
        requests += [
            ("GET", f"/partnerships/{theirs.partnership.id}", None, user),
            ("GET", f"/partnerships/{theirs.partnership.id}/meetings", None, user),
            ("GET", f"/partnerships/{theirs.partnership.id}/transitions", None, user),
            ("GET", f"/partnerships/{theirs.partnership.id}/fidelity", None, user),
            ("GET", f"/partners/{theirs.partner.id}", None, user),
            ("GET", f"/partners/{theirs.partner.id}/fidelity", None, user),
            ("GET", f"/supervisors/{theirs.supervisor.id}/fidelity", None, user),
            ("GET", f"/clients/{theirs.client.id}", None, user),
            ("GET", f"/programs/{theirs.program.id}", None, user),
            ("GET", f"/programs/{theirs.program.id}/fidelity", None, user),
            ("GET", f"/workflows/{theirs.program.workflow_key}", None, user),
            ("GET", "/partnerships", None, user),
            ("GET", "/partners", None, user),
            ("GET", "/clients", None, user),
            ("GET", "/workflows", None, user),
            (
                "POST",
                f"/partnerships/{theirs.partnership.id}/meetings",
                {"scheduled_at": now},
                user,
            ),
        ]
    requests += [
        (
            "POST",
            "/partners",
            {
                "program_id": mine.program.id,
                "display_name": "X",
                "host_user_id": theirs.partner_user,
            },
            manager,
        ),
        (
            "POST",
            "/supervisors",
            {
                "program_id": mine.program.id,
                "display_name": "X",
                "host_user_id": theirs.supervisor_user,
            },
            manager,
        ),
        (
            "POST",
            "/partnerships",
            {
                "program_id": mine.program.id,
                "client_id": theirs.client.id,
                "partner_id": theirs.partner.id,
                "supervisor_id": theirs.supervisor.id,
            },
            manager,
        ),
        (
            "POST",
            "/supervision-sessions",
            {"partner_id": theirs.partner.id, "scheduled_at": now},
            supervisor,
        ),
        (
            "POST",
            "/supervision-sessions",
            {
                "partner_id": mine.partner.id,
                "scheduled_at": now,
                "partnership_ids": [theirs.partnership.id],
            },
            supervisor,
        ),
        ("GET", "/supervision-sessions", None, supervisor),
    ]
    return requests


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_no_response_names_an_id_outside_the_askers_scope(app: Flask, client) -> None:
    mine = factories.world()
    for _ in range(5):  # other programs in between, so their ids differ from mine
        factories.world()
    theirs = factories.world()
    foreign = {
        theirs.partnership.id,
        theirs.partner.id,
        theirs.supervisor.id,
        theirs.client.id,
        theirs.program.id,
    }
    assert not foreign & {mine.partnership.id, mine.partner.id, mine.program.id}
    leaks = []
    for method, path, body, user in _requests(mine, theirs):
        response = client.open(API + path, method=method, json=body, headers=as_user(user))
        assert response.status_code < 500, (method, path)
        asked = {int(n) for n in re.findall(r"\d+", path + json.dumps(body))}
        named = _numbers(response.get_json(silent=True)) - asked
        if named & foreign:
            leaks.append((method, path, user, sorted(named & foreign), response.json))
    assert leaks == []


def test_a_timestamp_names_no_id_but_a_sentence_does() -> None:
    """The walk above once failed when a creation time's seconds equalled a foreign id."""
    body = {"created_at": "2026-11-30T05:04:07.685871+00:00", "error": {"message": "partner 7"}}
    assert _numbers(body) == {7}
    assert _numbers({"created_at": body["created_at"]}) == set()
