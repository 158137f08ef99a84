"""``GET /partnerships/<id>/timeline``: everything that happened, newest first, in a constant
number of statements; ``/history`` includes moves between workflow versions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tpm_plugin.models import AccessAudit
from tpm_plugin.schemas.timeline import TIMELINE_KINDS
from tpm_plugin.services import meetings, reviews, supervision, transitions, workflow_versions
from tpm_plugin.services._unit import session
from tpm_plugin.services.timeline import SOURCES
from tpm_plugin.workflows.definition import default_definition

from . import factories
from .conftest import BACKENDS
from .test_list_queries import counting

API = "/tpm/api"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _url(made: factories.World, **params: object) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{API}/partnerships/{made.partnership.id}/timeline" + (f"?{query}" if query else "")


def _lived(meeting_count: int = 2) -> factories.World:
    """A partnership with a little of everything: transitions, identification, a plan,
    held meetings (one corrected), a supervision session and a review."""
    made = factories.world(started_at=NOW - dt.timedelta(days=60))
    factories.activate(made)
    manager = factories.actor(made.manager_user)
    pid = made.partnership.id
    logged = [
        meetings.add_meeting(
            manager,
            pid,
            {
                "scheduled_at": NOW - dt.timedelta(days=30 - n),
                "status": "held",
                "minutes": 40,
            },
        )
        for n in range(meeting_count)
    ]
    meetings.add_meeting(
        manager,
        pid,
        {
            "scheduled_at": logged[0].scheduled_at,
            "status": "held",
            "minutes": 45,
            "supersedes_id": logged[0].id,
        },
    )
    supervision.add_session(
        factories.actor(made.supervisor_user),
        {
            "partner_id": made.partner.id,
            "scheduled_at": NOW - dt.timedelta(days=5),
            "status": "held",
            "held_minutes": 20,
            "partnership_ids": [pid],
        },
    )
    transitions.fire(manager, pid, "begin_review")
    reviews.add_review(
        manager,
        pid,
        {
            "held_at": NOW,
            "participants": ["partner"],
            "discussion": "Going well.",
            "outcome": "continue",
            "ratings": [],
        },
    )
    return made


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_timeline_shows_every_kind_newest_first(client) -> None:
    made = _lived()
    answer = client.get(_url(made, page_size=100), headers=factories.as_user(made.partner_user))
    assert answer.status_code == 200, answer.json
    items = answer.json["items"]
    assert {item["kind"] for item in items} == {
        "transition",
        "identification",
        "plan",
        "meeting",
        "supervision",
        "review",
    }
    moments = [item["occurred_at"] for item in items]
    assert moments == sorted(moments, reverse=True)
    assert answer.json["total"] == len(items)
    transition = next(item for item in items if item["kind"] == "transition")
    assert transition["details"]["to_stage"] == "review"


def test_corrections_are_shown_as_such(client) -> None:
    made = _lived()
    items = client.get(
        _url(made, kind="meeting"), headers=factories.as_user(made.partner_user)
    ).json["items"]
    [correction] = [item for item in items if item["correction"]]
    [corrected] = [item for item in items if item["id"] == correction["corrects_id"]]
    assert corrected["superseded_by_id"] == correction["id"]
    assert correction["details"]["minutes"] == 45
    assert {item["kind"] for item in items} == {"meeting"}


def test_the_timeline_pages_through_the_events(client) -> None:
    made = _lived()
    headers = factories.as_user(made.manager_user)
    everything = client.get(_url(made, page_size=100), headers=headers).json["items"]
    first = client.get(_url(made, page_size=3), headers=headers).json
    second = client.get(_url(made, page_size=3, page=2), headers=headers).json
    assert first["items"] + second["items"] == everything[:6]
    assert first["total"] == len(everything)


def test_the_timeline_shows_a_move_to_another_version(client) -> None:
    made = factories.world()
    key = made.program.workflow_key
    definition = dict(default_definition(), key=key)
    definition["stages"][0]["description"] = "Waiting for a partner."
    draft = workflow_versions.create_draft(workflow_versions.COMMAND_LINE, key, definition)
    workflow_versions.publish_draft(workflow_versions.COMMAND_LINE, key, draft.id)
    workflow_versions.migrate_partnerships(
        workflow_versions.COMMAND_LINE, key, 2, [made.partnership.id]
    )
    headers = factories.as_user(made.manager_user)
    [moved] = client.get(_url(made, kind="migration"), headers=headers).json["items"]
    assert moved["details"] == {
        "from_stage": "referred",
        "to_stage": "referred",
        "from_version": 1,
        "to_version": 2,
    }
    history = client.get(f"{API}/partnerships/{made.partnership.id}/history", headers=headers).json[
        "items"
    ]
    assert [
        (item["kind"], item["from_workflow_version"], item["workflow_version"]) for item in history
    ] == [("migration", 1, 2)]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_the_timeline_runs_the_same_statements_for_a_long_history(app, client) -> None:
    counts = []
    for size in (2, 12):
        made = _lived(size)
        with counting(app) as statements:
            answer = client.get(
                _url(made, page_size=100), headers=factories.as_user(made.manager_user)
            )
        assert answer.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_reading_the_timeline_is_audited_as_one_row_naming_each_care_record(client) -> None:
    made = _lived()
    items = client.get(
        _url(made, kind="meeting"), headers=factories.as_user(made.supervisor_user)
    ).json["items"]
    [row] = session().scalars(
        select(AccessAudit).where(
            AccessAudit.actor_id == made.supervisor_user,
            AccessAudit.action == "read_timeline",
        )
    )
    assert (row.object_type, row.partnership_id) == ("meeting", made.partnership.id)
    assert sorted(row.object_ids) == sorted(item["id"] for item in items)


def test_reading_a_timeline_of_every_kind_is_one_row_about_the_partnership(client) -> None:
    made = _lived()
    answer = client.get(_url(made), headers=factories.as_user(made.supervisor_user))
    assert answer.status_code == 200
    [row] = session().scalars(
        select(AccessAudit).where(
            AccessAudit.actor_id == made.supervisor_user,
            AccessAudit.action == "read_timeline",
        )
    )
    assert (row.object_type, row.object_id) == ("partnership", str(made.partnership.id))


def test_another_partners_timeline_is_404_and_audited(client) -> None:
    made, other = factories.world(), factories.world()
    refused = client.get(_url(made), headers=factories.as_user(other.partner_user))
    assert refused.status_code == 404
    assert refused.json["error"]["code"] == "not_found"
    assert (
        session().scalar(
            select(AccessAudit.outcome).where(
                AccessAudit.actor_id == other.partner_user, AccessAudit.action == "read_timeline"
            )
        )
        == "denied"
    )


def test_nobody_logged_in_gets_401(client) -> None:
    made = factories.world()
    assert client.get(_url(made)).status_code == 401


@pytest.mark.parametrize(
    ("params", "field"),
    [({"kind": "gossip"}, "kind"), ({"page": 0}, "page"), ({"page_size": 1000}, "page_size")],
)
def test_bad_timeline_parameters_are_422_naming_the_field(client, params, field) -> None:
    made = factories.world()
    refused = client.get(_url(made, **params), headers=factories.as_user(made.manager_user))
    assert refused.status_code == 422
    assert field in refused.json["error"]["fields"]


def test_kind_accepts_exactly_the_kinds_the_timeline_has_sources_for() -> None:
    assert tuple(source.kind for source in SOURCES) == TIMELINE_KINDS
