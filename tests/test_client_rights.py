"""A client's data rights: export everything held, erase what identifies them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from sqlalchemy import event, func, insert, select

from tpm_plugin.models import (
    AccessAudit,
    Client,
    IdentificationEntry,
    Meeting,
    Plan,
    PlannedActivity,
    Program,
    Review,
    ReviewRating,
    SupervisionSession,
    TransitionAudit,
    activity_answers,
    supervision_discussed,
)
from tpm_plugin.services._unit import unit_of_work

from . import factories
from .conftest import BACKENDS

WHEN = dt.datetime(2024, 3, 5, 16, tzinfo=dt.UTC)
#: Note text that must not survive an erasure.
SECRETS = (
    "wants to draw with Mira",
    "at the bus stop",
    "after school",
    "a fight with his brother",
    "teacher Ms Olsen",
    "we baked bread",
    "talked about the move to Oslo",
    "more time outside",
    "grandmother Ada",
    "partner worried about the bus stop",
    "plan around drawing",
    "draw every Tuesday",
)


@pytest.fixture
def app(app_without_context: Flask) -> Flask:
    # No app context stays pushed, so each request resolves its own actor.
    return app_without_context


@pytest.fixture
def world(app: Flask) -> dict[str, object]:
    """One client with a full care record, and a second client of the same partner."""
    with app.app_context():
        made = factories.world()
        other = factories.partnership(made.program, partner=made.partner)
        ids = {
            "program": made.program.id,
            "client": made.client.id,
            "partnership": made.partnership.id,
            "other_client": other.client_id,
            "other_partnership": other.id,
            "partner_id": made.partner.id,
            "supervisor_id": made.supervisor.id,
            "manager": made.manager_user,
            "supervisor": made.supervisor_user,
            "partner": made.partner_user,
        }
        with unit_of_work() as unit:
            s = unit.session
            s.execute(
                Client.__table__.update()
                .where(Client.id == made.client.id)
                .values(
                    date_of_birth=dt.date(2015, 4, 2),
                    guardian_name="Guardian G",
                    guardian_contact="g@example.org",
                    host_user_id="777",
                    preferred_language="nb",
                )
            )
            ids["records"] = _care_record(s, made.partnership.id, ids)
            _care_record(s, other.id, ids, marker="other client's note")
    return ids


def _care_record(s, partnership_id: int, ids: dict, marker: str | None = None) -> dict:
    text = (lambda secret: marker) if marker else (lambda secret: secret)
    first = IdentificationEntry(
        partnership_id=partnership_id,
        kind="client_voice",
        domain="play",
        statement=text("wants to draw with Mira"),
        author_id="1",
    )
    s.add(first)
    s.flush()
    correction = IdentificationEntry(
        partnership_id=partnership_id,
        kind="observation",
        domain="others",
        statement=text("a fight with his brother"),
        breaks_where=text("at the bus stop"),
        breaks_when=text("after school"),
        how_it_broke=text("a fight with his brother"),
        source=text("teacher Ms Olsen"),
        author_id="1",
        supersedes_id=first.id,
    )
    plan = Plan(
        partnership_id=partnership_id, version=1, summary=text("plan around drawing"), author_id="1"
    )
    s.add_all([correction, plan])
    s.flush()
    activity = PlannedActivity(plan_id=plan.id, domain="play", aim=text("draw every Tuesday"))
    meeting = Meeting(
        partnership_id=partnership_id,
        scheduled_at=WHEN,
        status="held",
        minutes=60,
        experience_note=text("we baked bread"),
    )
    silent = Meeting(partnership_id=partnership_id, scheduled_at=WHEN, status="no_show")
    review = Review(
        partnership_id=partnership_id,
        held_at=WHEN,
        participants=[text("grandmother Ada"), "partner"],
        discussion=text("talked about the move to Oslo"),
        changes_decided=text("more time outside"),
        outcome="continue",
        author_id="1",
    )
    session_row = SupervisionSession(
        supervisor_id=ids["supervisor_id"],
        partner_id=ids["partner_id"],
        scheduled_at=WHEN,
        scheduled_minutes=20,
        status="held",
        held_minutes=20,
        notes=text("partner worried about the bus stop"),
    )
    s.add_all([activity, meeting, silent, review, session_row])
    s.flush()
    s.execute(
        insert(activity_answers).values(
            activity_id=activity.id, identification_entry_id=correction.id
        )
    )
    s.execute(
        insert(supervision_discussed).values(
            session_id=session_row.id, partnership_id=partnership_id
        )
    )
    s.add(ReviewRating(review_id=review.id, domain="play", rating=4))
    s.add(
        TransitionAudit(
            partnership_id=partnership_id,
            from_stage="planning",
            to_stage="active",
            trigger="start",
            workflow_key="therapeutic_partnership",
            workflow_version=1,
        )
    )
    s.flush()
    return {
        "entries": [first.id, correction.id],
        "session": session_row.id,
        "meetings": [meeting.id, silent.id],
    }


def _export(client, world, user=None):
    return client.get(
        f"/tpm/api/clients/{world['client']}/export",
        headers=factories.as_user(user or world["manager"]),
    )


def _erase(client, world, user=None, client_id=None):
    return client.post(
        f"/tpm/api/clients/{client_id or world['client']}/erase",
        headers=factories.as_user(user or world["manager"]),
    )


# --- export ---------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_export_holds_every_record_about_the_client(app: Flask, client, world) -> None:
    response = _export(client, world)

    assert response.status_code == 200
    body = response.json
    assert body["client"]["id"] == world["client"]
    assert body["client"]["date_of_birth"] == "2015-04-02"
    assert body["client"]["guardian_name"] == "Guardian G"
    assert [p["id"] for p in body["partnerships"]] == [world["partnership"]]
    assert [e["id"] for e in body["identification_entries"]] == world["records"]["entries"]
    assert body["identification_entries"][1]["supersedes_id"] == world["records"]["entries"][0]
    assert [m["id"] for m in body["meetings"]] == world["records"]["meetings"]
    assert body["plans"][0]["summary"] == "plan around drawing"
    assert body["planned_activities"][0]["aim"] == "draw every Tuesday"
    assert body["activity_answers"][0]["identification_entry_id"] == world["records"]["entries"][1]
    assert body["reviews"][0]["participants"] == ["grandmother Ada", "partner"]
    assert body["review_ratings"][0]["rating"] == 4
    assert [s["id"] for s in body["supervision_sessions"]] == [world["records"]["session"]]
    assert body["supervision_discussed"] == [
        {
            "session_id": world["records"]["session"],
            "partnership_id": world["partnership"],
            "minutes": None,
        }
    ]
    assert [(t["from_stage"], t["to_stage"]) for t in body["transitions"]][-1] == (
        "planning",
        "active",
    )


def test_export_holds_nothing_about_other_clients(app: Flask, client, world) -> None:
    assert "other client's note" not in json.dumps(_export(client, world).json)


def test_export_is_audited(app: Flask, client, world) -> None:
    _export(client, world)
    with app.app_context():
        rows = (
            app.extensions["sqlalchemy"]
            .session.scalars(select(AccessAudit).where(AccessAudit.action == "export"))
            .all()
        )
    assert [(r.actor_id, r.action, r.outcome, r.object_id) for r in rows] == [
        (world["manager"], "export", "allowed", str(world["client"]))
    ]


def test_export_runs_the_same_statements_however_many_partnerships(
    app: Flask, client, world
) -> None:
    def statements() -> int:
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
        seen: list[str] = []

        def count(*args) -> None:
            seen.append(args[2])

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert _export(client, world).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    one = statements()
    with app.app_context():
        session = app.extensions["sqlalchemy"].session
        program = session.get(Program, world["program"])
        the_client = session.get(Client, world["client"])
        for _ in range(3):
            factories.partnership(program, client=the_client, another_open_reason="Export test.")
    assert statements() == one


# --- erase ----------------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_erase_clears_identifying_fields_and_sets_erased_at(app: Flask, client, world) -> None:
    response = _erase(client, world)

    assert response.status_code == 200
    erased = response.json["client"]
    for field in (
        "display_name",
        "date_of_birth",
        "guardian_name",
        "guardian_contact",
        "host_user_id",
        "preferred_language",
    ):
        assert erased[field] is None, field
    assert erased["erased_at"] is not None
    assert response.json["already_erased"] is False


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_erase_replaces_every_identifying_note_with_the_marker(app: Flask, client, world) -> None:
    _erase(client, world)

    exported = json.dumps(_export(client, world).json)

    for secret in SECRETS:
        assert secret not in exported, secret
    assert "[erased]" in exported


def test_erase_keeps_empty_notes_empty(app: Flask, client, world) -> None:
    _erase(client, world)
    with app.app_context():
        silent = app.extensions["sqlalchemy"].session.get(Meeting, world["records"]["meetings"][1])
        assert silent.experience_note is None


def test_erase_keeps_the_number_of_review_participants(app: Flask, client, world) -> None:
    _erase(client, world)
    review = _export(client, world).json["reviews"][0]
    assert review["participants"] == ["[erased]", "[erased]"]


def test_erase_keeps_every_row_and_the_audit_trail(app: Flask, client, world) -> None:
    tables = (IdentificationEntry, Meeting, Plan, PlannedActivity, Review, SupervisionSession)

    def counts() -> list[int]:
        with app.app_context():
            s = app.extensions["sqlalchemy"].session
            return [s.scalar(select(func.count()).select_from(t)) for t in (*tables, AccessAudit)]

    before = counts()
    _erase(client, world)
    after = counts()

    assert after[:-1] == before[:-1]
    assert after[-1] == before[-1] + 1  # the erasure's own audit row


def test_erase_leaves_other_clients_untouched(app: Flask, client, world) -> None:
    _erase(client, world)
    with app.app_context():
        s = app.extensions["sqlalchemy"].session
        other = s.get(Client, world["other_client"])
        notes = s.scalars(
            select(Meeting.experience_note).where(
                Meeting.partnership_id == world["other_partnership"]
            )
        ).all()
    assert other.display_name is not None and other.erased_at is None
    assert "other client's note" in notes


def test_erasing_twice_answers_200_with_the_first_erased_at(app: Flask, client, world) -> None:
    first = _erase(client, world)
    again = _erase(client, world)

    assert again.status_code == 200
    assert again.json["client"]["erased_at"] == first.json["client"]["erased_at"]
    assert again.json["already_erased"] is True
    assert again.json["rows_scrubbed"] == {}


def test_erase_reports_how_many_rows_it_scrubbed(app: Flask, client, world) -> None:
    scrubbed = _erase(client, world).json["rows_scrubbed"]
    assert scrubbed["identification_entries"] == 2
    assert scrubbed["meetings"] == 2
    assert scrubbed["supervision_sessions"] == 1


def test_erase_is_audited(app: Flask, client, world) -> None:
    _erase(client, world)
    with app.app_context():
        row = (
            app.extensions["sqlalchemy"]
            .session.scalars(select(AccessAudit).where(AccessAudit.action == "erase"))
            .one()
        )
    assert (row.actor_id, row.outcome, row.object_id) == (
        world["manager"],
        "allowed",
        str(world["client"]),
    )


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["export", "erase"])
@pytest.mark.parametrize(("who", "status"), [("supervisor", 403), ("partner", 403)])
def test_supervisor_and_partner_of_the_client_are_forbidden(
    app: Flask, client, world, action: str, who: str, status: int
) -> None:
    call = _export if action == "export" else _erase
    response = call(client, world, user=world[who])
    assert response.status_code == status
    _assert_denied(app, world[who], action)
    with app.app_context():
        kept = app.extensions["sqlalchemy"].session.get(Client, world["client"])
        assert kept.erased_at is None


@pytest.mark.parametrize("action", ["export", "erase"])
def test_a_manager_of_another_program_gets_404(app: Flask, client, world, action: str) -> None:
    with app.app_context():
        outsider = factories.program_manager_of(factories.program())
    call = _export if action == "export" else _erase
    assert call(client, world, user=outsider).status_code == 404
    _assert_denied(app, outsider, action)


def test_an_unknown_client_is_404(app: Flask, client, world) -> None:
    assert _erase(client, world, client_id=999999).status_code == 404


def test_client_rights_need_a_logged_in_user(app: Flask, client, world) -> None:
    assert client.get(f"/tpm/api/clients/{world['client']}/export").status_code == 401


def _assert_denied(app: Flask, user: str, action: str) -> None:
    with app.app_context():
        rows = (
            app.extensions["sqlalchemy"]
            .session.scalars(select(AccessAudit).where(AccessAudit.action == action))
            .all()
        )
    assert [(r.actor_id, r.outcome) for r in rows] == [(user, "denied")]
