"""/partnerships: opened by program managers at the workflow's start stage, read and listed
within each role's scope, filtered, sorted and paginated, reassigned while open."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tpm_plugin.models import (
    AccessAudit,
    Meeting,
    Partnership,
    PartnershipAssignment,
    TransitionAudit,
    utcnow,
)
from tpm_plugin.services import meetings
from tpm_plugin.services._unit import session
from tpm_plugin.services.overdue import last_complete_week

from . import factories
from .conftest import BACKENDS
from .factories import as_user, row_count

API = "/tpm/api"


def _open(client, made: factories.World, **changes):
    body = {
        "program_id": made.program.id,
        "client_id": made.client.id,
        "partner_id": made.partner.id,
        "supervisor_id": made.supervisor.id,
        **changes,
    }
    return client.post(f"{API}/partnerships", json=body, headers=as_user(made.manager_user))


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partnership_opens_at_the_start_stage_of_the_newest_version(client) -> None:
    made = factories.world()
    response = _open(client, made)
    assert response.status_code == 201
    assert response.json["stage"] == "referred"
    assert response.json["workflow_key"] == "therapeutic_partnership"
    assert response.json["workflow_version"] == 1
    audit = (
        session()
        .scalars(
            select(AccessAudit).where(
                AccessAudit.object_type == "partnership",
                AccessAudit.object_id == str(response.json["id"]),
            )
        )
        .one()
    )
    assert (audit.action, audit.outcome) == ("create", "allowed")


def test_partnership_may_open_before_a_partner_is_found(client) -> None:
    made = factories.world()
    response = _open(client, made, partner_id=None, supervisor_id=None)
    assert response.status_code == 201
    assert response.json["partner_id"] is None


def test_client_of_another_program_is_422_naming_client_id(client) -> None:
    made = factories.world()
    stranger = factories.client(factories.program(managers=(made.manager_user,)))
    response = _open(client, made, client_id=stranger.id)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["client_id"]
    assert row_count(Partnership) == 1


def test_inactive_partner_is_422_naming_partner_id(client) -> None:
    made = factories.world()
    gone = factories.partner(made.program, active=False)
    response = _open(client, made, partner_id=gone.id)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["partner_id"]


def test_opening_a_partnership_with_a_stage_is_422(client) -> None:
    made = factories.world()
    response = _open(client, made, stage="active")
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["stage"]
    assert row_count(Partnership) == 1


def test_supervisor_cannot_open_partnerships(client) -> None:
    made = factories.world()
    response = client.post(
        f"{API}/partnerships",
        json={"program_id": made.program.id, "client_id": made.client.id},
        headers=as_user(made.supervisor_user),
    )
    assert response.status_code == 403
    assert row_count(Partnership) == 1


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partner_reads_their_own_partnership(client) -> None:
    made = factories.world()
    response = client.get(
        f"{API}/partnerships/{made.partnership.id}", headers=as_user(made.partner_user)
    )
    assert response.status_code == 200
    assert response.json["client_id"] == made.client.id


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_partner_cannot_read_another_partners_partnership(client) -> None:
    made = factories.world()
    other = factories.partnership(made.program)
    response = client.get(f"{API}/partnerships/{other.id}", headers=as_user(made.partner_user))
    assert response.status_code == 404
    assert "partnership" in response.json["error"]["message"]
    denied = session().scalars(select(AccessAudit).where(AccessAudit.outcome == "denied")).one()
    assert (denied.actor_id, denied.object_id, denied.action) == (
        made.partner_user,
        str(other.id),
        "read",
    )


def test_list_filters_by_partner_supervisor_and_stage(client) -> None:
    made = factories.world()
    second = factories.partnership(made.program, supervisor=made.supervisor)
    factories.partnership(made.program)
    manager = as_user(made.manager_user)

    def ids(params: str) -> list[int]:
        return [
            item["id"]
            for item in client.get(f"{API}/partnerships?{params}", headers=manager).json["items"]
        ]

    assert ids(f"partner_id={made.partner.id}") == [made.partnership.id]
    assert ids(f"supervisor_id={made.supervisor.id}") == [made.partnership.id, second.id]
    assert ids("stage=referred&page_size=1&page=2") == [second.id]
    assert ids("stage=active") == []


def test_list_sorts_stably_in_either_direction(client) -> None:
    made = factories.world()
    others = [factories.partnership(made.program).id for _ in range(2)]
    manager = as_user(made.manager_user)
    ascending = client.get(f"{API}/partnerships?sort=started_at", headers=manager).json
    descending = client.get(f"{API}/partnerships?sort=-id", headers=manager).json
    expected = [made.partnership.id, *others]
    assert [item["id"] for item in ascending["items"]] == expected
    assert [item["id"] for item in descending["items"]] == expected[::-1]


def test_list_reports_page_and_total(client) -> None:
    made = factories.world()
    factories.partnership(made.program)
    response = client.get(
        f"{API}/partnerships?page=2&page_size=1", headers=as_user(made.manager_user)
    )
    assert {k: response.json[k] for k in ("page", "page_size", "total")} == {
        "page": 2,
        "page_size": 1,
        "total": 2,
    }


@pytest.mark.parametrize(
    "params",
    [
        "page=0",
        "page_size=0",
        "page_size=101",
        "sort=name",
        "overdue=perhaps",
        "stage=" + "x" * 65,
        "colour=red",
    ],
)
def test_bad_list_parameters_are_422_naming_the_parameter(client, params) -> None:
    made = factories.world()
    response = client.get(f"{API}/partnerships?{params}", headers=as_user(made.manager_user))
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == [params.split("=")[0]]


def test_user_without_a_role_gets_403_on_the_list(client) -> None:
    factories.world()
    response = client.get(f"{API}/partnerships", headers=as_user(factories.new_user_id()))
    assert response.status_code == 403


def test_nobody_logged_in_gets_401(client) -> None:
    response = client.get(f"{API}/partnerships")
    assert response.status_code == 401


def _backdate_stage(partnership_id: int, weeks: int) -> None:
    """Move the partnership's whole life (start, assignment, stage changes) back so that it
    entered its stage ``weeks`` weeks ago."""
    partnership = session().get(Partnership, partnership_id)
    shift = utcnow() - dt.timedelta(weeks=weeks) - partnership.stage_entered_at
    partnership.stage_entered_at += shift
    partnership.started_at += shift
    for model, column in ((TransitionAudit, "occurred_at"), (PartnershipAssignment, "valid_from")):
        for row in session().scalars(select(model).where(model.partnership_id == partnership_id)):
            setattr(row, column, getattr(row, column) + shift)
    session().commit()


def _hold_meetings_last_week(made: factories.World, count: int) -> None:
    week_start, _ = last_complete_week(utcnow())
    for day in range(count):
        meetings.add_meeting(
            factories.actor(made.partner_user),
            made.partnership.id,
            {
                "scheduled_at": week_start + dt.timedelta(days=day, hours=15),
                "status": "held",
                "minutes": 45,
            },
        )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_active_partnership_with_too_few_meetings_last_week_is_overdue(client) -> None:
    made = factories.world()
    factories.activate(made)
    _backdate_stage(made.partnership.id, 2)
    _hold_meetings_last_week(made, 2)
    response = client.get(f"{API}/partnerships?overdue=true", headers=as_user(made.manager_user))
    assert [item["id"] for item in response.json["items"]] == [made.partnership.id]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_active_partnership_meeting_its_target_is_not_overdue(client) -> None:
    made = factories.world()
    factories.activate(made)
    _backdate_stage(made.partnership.id, 2)
    _hold_meetings_last_week(made, 3)
    overdue = client.get(f"{API}/partnerships?overdue=true", headers=as_user(made.manager_user))
    on_track = client.get(f"{API}/partnerships?overdue=false", headers=as_user(made.manager_user))
    assert overdue.json["items"] == []
    assert [item["id"] for item in on_track.json["items"]] == [made.partnership.id]


def test_partnership_active_beyond_its_review_cadence_is_overdue(client) -> None:
    made = factories.world()
    factories.activate(made)
    _backdate_stage(made.partnership.id, 5)
    _hold_meetings_last_week(made, 3)
    response = client.get(f"{API}/partnerships?overdue=true", headers=as_user(made.manager_user))
    assert [item["id"] for item in response.json["items"]] == [made.partnership.id]


def test_partnership_activated_this_week_is_not_yet_overdue(client) -> None:
    made = factories.world()
    factories.activate(made)
    response = client.get(f"{API}/partnerships?overdue=true", headers=as_user(made.manager_user))
    assert response.json["items"] == []


def test_corrected_meeting_counts_once_towards_the_target(client) -> None:
    made = factories.world()
    factories.activate(made)
    _backdate_stage(made.partnership.id, 2)
    _hold_meetings_last_week(made, 3)
    first = session().scalars(select(Meeting).order_by(Meeting.id)).first()
    meetings.add_meeting(
        factories.actor(made.partner_user),
        made.partnership.id,
        {"scheduled_at": first.scheduled_at, "status": "no_show", "supersedes_id": first.id},
    )
    response = client.get(f"{API}/partnerships?overdue=true", headers=as_user(made.manager_user))
    assert [item["id"] for item in response.json["items"]] == [made.partnership.id]


def test_program_manager_reassigns_the_partner(client) -> None:
    made = factories.world()
    newcomer = factories.partner(made.program)
    response = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"partner_id": newcomer.id},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 200
    assert response.json["partner_id"] == newcomer.id
    assert response.json["version_id"] == made.partnership.version_id + 1


def test_partner_cannot_reassign_their_partnership(client) -> None:
    made = factories.world()
    response = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"partner_id": None},
        headers=as_user(made.partner_user),
    )
    assert response.status_code == 403
    assert session().get(Partnership, made.partnership.id).partner_id == made.partner.id


def test_reassigning_a_closed_partnership_is_422(client) -> None:
    made = factories.world()
    factories.withdraw(made)
    newcomer = factories.partner(made.program)
    response = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"partner_id": newcomer.id},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["partner_id"]


def test_changing_the_stage_through_patch_is_422(client) -> None:
    made = factories.world()
    response = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"stage": "closed"},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 422
    assert session().get(Partnership, made.partnership.id).stage == "referred"
