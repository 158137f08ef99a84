"""The care record: identification entries, plans, meetings, supervision sessions and
reviews. Notes are corrected by superseding entries, never overwritten; bad input is a 422
naming the field, with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tpm_plugin.models import (
    AccessAudit,
    IdentificationEntry,
    Meeting,
    Plan,
    Review,
    ReviewRating,
    SupervisionSession,
)
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user, row_count

API = "/tpm/api"
WHEN = "2024-05-06T15:00:00+02:00"


def _entry(client, made, user=None, **fields):
    body = {
        "kind": "client_voice",
        "domain": "play",
        "statement": "Wants to build a kite.",
        **fields,
    }
    return client.post(
        f"{API}/partnerships/{made.partnership.id}/identification-entries",
        json=body,
        headers=as_user(user or made.partner_user),
    )


def _meeting(client, made, user=None, **fields):
    return client.post(
        f"{API}/partnerships/{made.partnership.id}/meetings",
        json={"scheduled_at": WHEN, **fields},
        headers=as_user(user or made.partner_user),
    )


def _review(client, made, user=None, **fields):
    body = {
        "held_at": WHEN,
        "participants": ["client", "partner", "supervisor"],
        "discussion": "Meetings feel easier.",
        "outcome": "continue",
        "ratings": [{"domain": "play", "rating": 4}],
        **fields,
    }
    return client.post(
        f"{API}/partnerships/{made.partnership.id}/reviews",
        json=body,
        headers=as_user(user or made.supervisor_user),
    )


# --- identification -------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partner_adds_an_identification_entry(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _entry(client, made)
    assert response.status_code == 201
    assert response.json["author_id"] == made.partner_user
    assert response.json["superseded_by_id"] is None


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_correction_supersedes_the_entry_and_keeps_the_original(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    original = _entry(client, made).json
    correction = _entry(
        client, made, statement="Wants to fly a kite.", supersedes_id=original["id"]
    )
    assert correction.status_code == 201
    url = f"{API}/partnerships/{made.partnership.id}/identification-entries"
    current = client.get(url, headers=as_user(made.partner_user)).json["items"]
    history = client.get(f"{url}?include_superseded=true", headers=as_user(made.partner_user)).json
    assert [item["id"] for item in current] == [correction.json["id"]]
    assert {item["id"]: item["superseded_by_id"] for item in history["items"]} == {
        original["id"]: correction.json["id"],
        correction.json["id"]: None,
    }
    assert session().get(IdentificationEntry, original["id"]).statement == "Wants to build a kite."


def test_correcting_an_entry_twice_is_422_naming_supersedes_id(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    original = _entry(client, made).json
    _entry(client, made, supersedes_id=original["id"])
    response = _entry(client, made, supersedes_id=original["id"])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["supersedes_id"]
    assert row_count(IdentificationEntry) == 2


def test_correcting_another_partnerships_entry_is_422(client) -> None:
    made, other = (
        factories.world(started_at=factories.LONG_AGO),
        factories.world(started_at=factories.LONG_AGO),
    )
    foreign = _entry(client, other).json
    response = _entry(client, made, supersedes_id=foreign["id"])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["supersedes_id"]


def test_others_report_needs_its_source(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _entry(client, made, kind="others_report")
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["source"]
    assert row_count(IdentificationEntry) == 0


def test_oversized_note_is_422_and_the_error_does_not_echo_it(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    note = "He hides under the stairs when his father shouts. " * 300
    response = _entry(client, made, statement=note)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["statement"]
    assert "stairs" not in response.get_data(as_text=True)
    assert row_count(IdentificationEntry) == 0


def test_reading_an_entry_is_audited(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    entry = _entry(client, made).json
    response = client.get(
        f"{API}/identification-entries/{entry['id']}", headers=as_user(made.supervisor_user)
    )
    assert response.status_code == 200
    audit = (
        session()
        .scalars(
            select(AccessAudit).where(
                AccessAudit.object_type == "identification_entry", AccessAudit.action == "read"
            )
        )
        .one()
    )
    assert (audit.actor_id, audit.object_id) == (made.supervisor_user, str(entry["id"]))


# --- plans ----------------------------------------------------------------------------


def _plan(client, made, answers, user=None):
    return client.post(
        f"{API}/partnerships/{made.partnership.id}/plans",
        json={
            "summary": "Outdoor play first.",
            "activities": [
                {"domain": "play", "aim": "Fly a kite together.", "per_week": 2, "answers": answers}
            ],
        },
        headers=as_user(user or made.partner_user),
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_each_plan_is_the_next_version_with_its_activities(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    entry = _entry(client, made).json
    first, second = _plan(client, made, [entry["id"]]), _plan(client, made, [entry["id"]])
    assert (first.json["version"], second.json["version"]) == (1, 2)
    listed = client.get(
        f"{API}/partnerships/{made.partnership.id}/plans", headers=as_user(made.manager_user)
    ).json
    assert [plan["version"] for plan in listed["items"]] == [2, 1]
    assert listed["items"][0]["activities"][0]["answers"] == [entry["id"]]
    assert listed["items"][0]["activities"][0]["per_week"] == 2


def test_activity_answering_another_partnerships_entry_is_422(client) -> None:
    made, other = (
        factories.world(started_at=factories.LONG_AGO),
        factories.world(started_at=factories.LONG_AGO),
    )
    foreign = _entry(client, other).json
    response = _plan(client, made, [foreign["id"]])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["activities.0.answers"]
    assert row_count(Plan) == 0


def test_activity_answering_a_corrected_entry_is_422(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    original = _entry(client, made).json
    _entry(client, made, supersedes_id=original["id"])
    response = _plan(client, made, [original["id"]])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["activities.0.answers"]


def test_plan_without_activities_is_422(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = client.post(
        f"{API}/partnerships/{made.partnership.id}/plans",
        json={"activities": []},
        headers=as_user(made.partner_user),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["activities"]


def test_activity_in_an_unknown_domain_is_422(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = client.post(
        f"{API}/partnerships/{made.partnership.id}/plans",
        json={"activities": [{"domain": "church", "aim": "Sing."}]},
        headers=as_user(made.partner_user),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["activities.0.domain"]


# --- meetings -------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partner_schedules_then_logs_a_held_meeting(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    entry = _entry(client, made).json
    activity = _plan(client, made, [entry["id"]]).json["activities"][0]
    scheduled = _meeting(client, made)
    assert scheduled.status_code == 201
    assert scheduled.json["status"] == "scheduled"
    logged = client.post(
        f"{API}/meetings/{scheduled.json['id']}/outcome",
        json={
            "status": "held",
            "minutes": 50,
            "activities_done": [activity["id"]],
            "experience_note": "Laughed a lot.",
        },
        headers=as_user(made.partner_user),
    )
    assert logged.status_code == 200
    assert (logged.json["status"], logged.json["minutes"]) == ("held", 50)
    assert logged.json["logged_by"] == made.partner_user


def test_logging_a_meeting_twice_is_409(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    meeting = _meeting(client, made).json
    url = f"{API}/meetings/{meeting['id']}/outcome"
    client.post(url, json={"status": "no_show"}, headers=as_user(made.partner_user))
    again = client.post(
        url, json={"status": "held", "minutes": 30}, headers=as_user(made.partner_user)
    )
    assert again.status_code == 409
    assert session().get(Meeting, meeting["id"]).status == "no_show"


def test_cancelled_meeting_says_who_cancelled(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _meeting(client, made, status="cancelled", cancelled_by="client")
    assert response.status_code == 201
    assert response.json["cancelled_by"] == "client"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"status": "held", "minutes": -5}, "minutes"),
        ({"status": "held"}, "minutes"),
        ({"status": "held", "minutes": "45"}, "minutes"),
        ({"status": "cancelled"}, "cancelled_by"),
        ({"status": "cancelled", "cancelled_by": "weather"}, "cancelled_by"),
        ({"status": "no_show", "minutes": 10}, "minutes"),
        ({"status": "held", "minutes": 30, "activities_done": [999]}, "activities_done"),
        ({"scheduled_at": "2024-05-06T15:00:00"}, "scheduled_at"),
        ({"status": "postponed"}, "status"),
        ({"status": "held", "minutes": 30, "logged_by": "1"}, "logged_by"),
    ],
    ids=[
        "negative-minutes",
        "held-without-minutes",
        "minutes-as-string",
        "cancelled-by-nobody",
        "cancelled-by-unknown",
        "no-show-with-minutes",
        "unplanned-activity",
        "naive-timestamp",
        "unknown-status",
        "mass-assignment",
    ],
)
def test_bad_meeting_is_422_naming_the_field_and_writes_nothing(client, fields, field) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _meeting(client, made, **fields)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert row_count(Meeting) == 0


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_meeting_for_a_closed_partnership_is_422(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    factories.withdraw(made)
    response = _meeting(client, made, status="held", minutes=40)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["partnership_id"]
    assert row_count(Meeting) == 0


def test_corrected_meeting_lists_the_correction_only(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    first = _meeting(client, made, status="held", minutes=40).json
    fixed = _meeting(client, made, status="held", minutes=55, supersedes_id=first["id"]).json
    listed = client.get(
        f"{API}/partnerships/{made.partnership.id}/meetings", headers=as_user(made.partner_user)
    ).json
    assert [item["id"] for item in listed["items"]] == [fixed["id"]]
    assert session().get(Meeting, first["id"]).minutes == 40


# --- supervision ----------------------------------------------------------------------


def _session(client, made, user=None, **fields):
    return client.post(
        f"{API}/supervision-sessions",
        json={"partner_id": made.partner.id, "scheduled_at": WHEN, **fields},
        headers=as_user(user or made.supervisor_user),
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_supervisor_schedules_a_session_owing_20_minutes_per_client(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    factories.partnership(made.program, partner=made.partner, supervisor=made.supervisor)
    response = _session(client, made)
    assert response.status_code == 201
    assert response.json["supervisor_id"] == made.supervisor.id
    assert response.json["scheduled_minutes"] == 40


def test_supervisor_logs_a_held_session_with_partnerships_discussed(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    scheduled = _session(client, made).json
    response = client.post(
        f"{API}/supervision-sessions/{scheduled['id']}/outcome",
        json={"status": "held", "held_minutes": 25, "partnership_ids": [made.partnership.id]},
        headers=as_user(made.supervisor_user),
    )
    assert response.status_code == 200
    assert response.json["partnership_ids"] == [made.partnership.id]
    again = client.get(
        f"{API}/supervision-sessions/{scheduled['id']}", headers=as_user(made.manager_user)
    )
    assert again.json["held_minutes"] == 25


def test_discussing_another_partners_partnership_is_422(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    other = factories.partnership(made.program, supervisor=made.supervisor)
    response = _session(client, made, status="held", held_minutes=20, partnership_ids=[other.id])
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["partnership_ids"]
    assert row_count(SupervisionSession) == 0


def test_supervisor_cannot_record_sessions_with_partners_they_do_not_supervise(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    stranger = factories.partner(made.program)
    response = _session(client, made, partner_id=stranger.id)
    assert response.status_code == 404
    assert str(stranger.id) in response.json["error"]["message"]
    assert row_count(SupervisionSession) == 0
    denied = (
        session()
        .scalars(
            select(AccessAudit).where(
                AccessAudit.object_type == "partner", AccessAudit.outcome == "denied"
            )
        )
        .all()
    )
    assert [(row.object_id, row.actor_id) for row in denied] == [
        (str(stranger.id), made.supervisor_user)
    ]


def test_held_session_with_negative_minutes_is_422(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _session(client, made, status="held", held_minutes=-1)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["held_minutes"]


def test_partner_cannot_schedule_supervision(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _session(client, made, user=made.partner_user)
    assert response.status_code == 403
    assert row_count(SupervisionSession) == 0


# --- reviews --------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_supervisor_records_a_review_with_ratings(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _review(
        client, made, ratings=[{"domain": "play", "rating": 4}, {"domain": "school", "rating": 2}]
    )
    assert response.status_code == 201
    assert response.json["ratings"] == [
        {"domain": "play", "rating": 4},
        {"domain": "school", "rating": 2},
    ]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partner_may_not_write_reviews(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _review(client, made, user=made.partner_user)
    assert response.status_code == 403
    assert row_count(Review) == 0
    denied = session().scalars(select(AccessAudit).where(AccessAudit.outcome == "denied")).one()
    assert (denied.action, denied.object_id) == ("create_review", str(made.partnership.id))


def test_partner_reads_the_reviews_of_their_partnership(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    review = _review(client, made).json
    response = client.get(f"{API}/reviews/{review['id']}", headers=as_user(made.partner_user))
    assert response.status_code == 200
    assert response.json["outcome"] == "continue"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ratings": [{"domain": "play", "rating": 6}]}, "ratings.0.rating"),
        ({"ratings": [{"domain": "play", "rating": 0}]}, "ratings.0.rating"),
        (
            {"ratings": [{"domain": "play", "rating": 3}, {"domain": "play", "rating": 4}]},
            "ratings.1.domain",
        ),
        ({"outcome": "pause"}, "outcome"),
        ({"participants": []}, "participants"),
        ({"held_at": "yesterday"}, "held_at"),
        ({"discussion": None}, "discussion"),
    ],
    ids=[
        "rating-6",
        "rating-0",
        "domain-twice",
        "unknown-outcome",
        "nobody-took-part",
        "not-a-timestamp",
        "no-discussion",
    ],
)
def test_bad_review_is_422_naming_the_field_and_writes_nothing(client, fields, field) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    response = _review(client, made, **fields)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert (row_count(Review), row_count(ReviewRating)) == (0, 0)


def test_review_correction_supersedes_and_history_shows_both(client) -> None:
    made = factories.world(started_at=factories.LONG_AGO)
    first = _review(client, made).json
    fixed = _review(client, made, outcome="replan", supersedes_id=first["id"]).json
    url = f"{API}/partnerships/{made.partnership.id}/reviews"
    current = client.get(url, headers=as_user(made.manager_user)).json["items"]
    history = client.get(f"{url}?include_superseded=1", headers=as_user(made.manager_user)).json
    assert [item["id"] for item in current] == [fixed["id"]]
    assert history["total"] == 2
    assert current[0]["ratings"] == [{"domain": "play", "rating": 4}]
