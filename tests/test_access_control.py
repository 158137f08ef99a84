"""Each role against each resource, object by object, on SQLite and PostgreSQL.

Program managers reach everything in their programs; a supervisor, the partnerships they
supervise and their own supervision sessions; a partner, their own partnerships (and may
write identification entries and meetings, not reviews). Everyone else gets 404 for an
object (no existence leak), 403 for a list when they hold no role, 401 when not logged in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tpm_plugin.models import AccessAudit
from tpm_plugin.services import identification, meetings, plans, reviews, supervision
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
WHEN = "2024-05-06T15:00:00+02:00"
AT = dt.datetime(2024, 5, 6, 13, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Scene:
    """One program's partnership with one of every care record, and a second program."""

    urls: dict[str, str]
    users: dict[str, str | None]
    partnership_id: int


@pytest.fixture
def scene(app) -> Scene:
    made, other = (
        factories.world(started_at=factories.LONG_AGO),
        factories.world(started_at=factories.LONG_AGO),
    )
    manager = factories.actor(made.manager_user)
    pid = made.partnership.id
    entry = identification.add_entry(
        manager, pid, {"kind": "client_voice", "domain": "play", "statement": "Kites."}
    )
    plan = plans.add_plan(
        manager, pid, {"activities": [{"domain": "play", "aim": "Kites.", "answers": [entry.id]}]}
    )
    meeting = meetings.add_meeting(
        manager, pid, {"scheduled_at": AT, "status": "held", "minutes": 30}
    )
    review = reviews.add_review(
        manager,
        pid,
        {
            "held_at": AT,
            "participants": ["partner"],
            "discussion": "Fine.",
            "outcome": "continue",
            "ratings": [],
        },
    )
    sitting = supervision.add_session(
        factories.actor(made.supervisor_user),
        {"partner_id": made.partner.id, "scheduled_at": AT},
    )
    return Scene(
        urls={
            "partnership": f"/partnerships/{pid}",
            "client": f"/clients/{made.client.id}",
            "identification_entry": f"/identification-entries/{entry.id}",
            "plan": f"/plans/{plan.id}",
            "meeting": f"/meetings/{meeting.id}",
            "review": f"/reviews/{review.id}",
            "supervision_session": f"/supervision-sessions/{sitting.id}",
        },
        users={
            "program_manager": made.manager_user,
            "supervisor": made.supervisor_user,
            "partner": made.partner_user,
            "other_program_manager": other.manager_user,
            "other_supervisor": other.supervisor_user,
            "other_partner": other.partner_user,
            "no_role": factories.new_user_id(),
            "anonymous": None,
        },
        partnership_id=pid,
    )


RESOURCES = (
    "partnership",
    "client",
    "identification_entry",
    "plan",
    "meeting",
    "review",
    "supervision_session",
)
OUTSIDERS = ("other_program_manager", "other_supervisor", "other_partner", "no_role")

#: (role, resource) -> status of GET on that object.
READS = {
    **{("program_manager", resource): 200 for resource in RESOURCES},
    **{("supervisor", resource): 200 for resource in RESOURCES},
    **{("partner", resource): 200 for resource in RESOURCES},
    ("partner", "supervision_session"): 404,
    **{(role, resource): 404 for role in OUTSIDERS for resource in RESOURCES},
    **{("anonymous", resource): 401 for resource in RESOURCES},
}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(("role", "resource"), sorted(READS), ids="-".join)
def test_role_reading_resource(client, scene: Scene, role: str, resource: str) -> None:
    response = client.get(API + scene.urls[resource], headers=as_user(scene.users[role]))
    assert response.status_code == READS[(role, resource)]
    if response.status_code == 404:
        denied = (
            session()
            .scalars(
                select(AccessAudit).where(
                    AccessAudit.outcome == "denied", AccessAudit.actor_id == scene.users[role]
                )
            )
            .all()
        )
        assert len(denied) == 1


#: (role, what is written) -> status. Partners write entries and meetings, not reviews.
WRITES = {
    **{("program_manager", kind): 201 for kind in ("identification", "meeting", "review")},
    **{("supervisor", kind): 201 for kind in ("identification", "meeting", "review")},
    ("partner", "identification"): 201,
    ("partner", "meeting"): 201,
    ("partner", "review"): 403,
    **{(role, kind): 404 for role in OUTSIDERS for kind in ("identification", "meeting", "review")},
    **{("anonymous", kind): 401 for kind in ("identification", "meeting", "review")},
}

BODIES = {
    "identification": (
        "identification-entries",
        {"kind": "observation", "domain": "school", "statement": "Quiet in class."},
    ),
    "meeting": ("meetings", {"scheduled_at": WHEN}),
    "review": (
        "reviews",
        {"held_at": WHEN, "participants": ["client"], "discussion": "Ok.", "outcome": "replan"},
    ),
}


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize(("role", "kind"), sorted(WRITES), ids="-".join)
def test_role_writing_care_record(client, scene: Scene, role: str, kind: str) -> None:
    path, body = BODIES[kind]
    response = client.post(
        f"{API}/partnerships/{scene.partnership_id}/{path}",
        json=body,
        headers=as_user(scene.users[role]),
    )
    assert response.status_code == WRITES[(role, kind)]


LISTS = (
    "/partnerships",
    "/clients",
    "/partners",
    "/supervisors",
    "/programs",
    "/supervision-sessions",
)


@pytest.mark.parametrize("path", LISTS)
def test_user_without_a_role_gets_403_on_every_list(client, scene: Scene, path: str) -> None:
    response = client.get(API + path, headers=as_user(scene.users["no_role"]))
    assert response.status_code == 403


@pytest.mark.parametrize("path", LISTS)
def test_nobody_logged_in_gets_401_on_every_list(client, scene: Scene, path: str) -> None:
    assert client.get(API + path).status_code == 401


@pytest.mark.parametrize("path", ["identification-entries", "plans", "meetings", "reviews"])
def test_other_partner_gets_404_on_a_partnerships_records(client, scene: Scene, path) -> None:
    response = client.get(
        f"{API}/partnerships/{scene.partnership_id}/{path}",
        headers=as_user(scene.users["other_partner"]),
    )
    assert response.status_code == 404


def test_partner_list_shows_only_their_partnerships(client, scene: Scene) -> None:
    outsider = client.get(f"{API}/partnerships", headers=as_user(scene.users["other_partner"]))
    mine = client.get(f"{API}/partnerships", headers=as_user(scene.users["partner"]))
    assert [item["id"] for item in mine.json["items"]] == [scene.partnership_id]
    assert scene.partnership_id not in [item["id"] for item in outsider.json["items"]]


def test_partner_gets_403_listing_supervision_sessions(client, scene: Scene) -> None:
    response = client.get(f"{API}/supervision-sessions", headers=as_user(scene.users["partner"]))
    assert response.status_code == 403


def test_supervisor_lists_only_their_own_sessions(client, scene: Scene) -> None:
    mine = client.get(f"{API}/supervision-sessions", headers=as_user(scene.users["supervisor"]))
    theirs = client.get(
        f"{API}/supervision-sessions", headers=as_user(scene.users["other_supervisor"])
    )
    assert mine.json["total"] == 1
    assert theirs.json["total"] == 0
