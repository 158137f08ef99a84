"""Who can be in a partnership: a partner never supervises themselves, a host user may take
part in several programs, and a client has one open partnership per program unless a
manager says why another."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tpm_plugin.models import Partner, Partnership
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS

API = "/tpm/api"


def _open(client, made: factories.World, **fields):
    body = {"program_id": made.program.id, **fields}
    return client.post(
        f"{API}/partnerships", json=body, headers=factories.as_user(made.manager_user)
    )


def _refused(response, field: str) -> str:
    assert response.status_code == 422, response.json
    return " ".join(response.json["error"]["fields"][field])


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_person_cannot_be_partner_and_supervisor_of_one_partnership(client) -> None:
    made = factories.world()
    herself = factories.supervisor(made.program, user_id=made.partner_user)
    refused = _open(
        client,
        made,
        client_id=factories.client(made.program).id,
        partner_id=made.partner.id,
        supervisor_id=herself.id,
    )
    assert "cannot supervise their own partnership" in _refused(refused, "supervisor_id")
    assert factories.row_count(Partnership) == 1


def test_reassigning_the_supervisor_to_the_partner_themselves_is_refused(client) -> None:
    made = factories.world()
    herself = factories.supervisor(made.program, user_id=made.partner_user)
    refused = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"supervisor_id": herself.id},
        headers=factories.as_user(made.manager_user),
    )
    _refused(refused, "supervisor_id")
    session().expire_all()
    assert session().get(Partnership, made.partnership.id).supervisor_id == made.supervisor.id


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_host_user_partners_in_two_programs_and_sees_both_partnerships(client) -> None:
    first, second = factories.world(), factories.world()
    again = client.post(
        f"{API}/partners",
        json={
            "program_id": second.program.id,
            "display_name": "Pia",
            "host_user_id": first.partner_user,
        },
        headers=factories.as_user(second.manager_user),
    )
    assert again.status_code == 201, again.json
    theirs = factories.partnership(second.program, partner=session().get(Partner, again.json["id"]))
    listed = client.get(f"{API}/partnerships", headers=factories.as_user(first.partner_user)).json
    assert {item["id"] for item in listed["items"]} == {first.partnership.id, theirs.id}
    meeting = client.post(
        f"{API}/partnerships/{theirs.id}/meetings",
        json={"scheduled_at": "2030-01-01T10:00:00+00:00"},
        headers=factories.as_user(first.partner_user),
    )
    assert meeting.status_code == 201


def test_a_host_user_supervises_in_two_programs(client) -> None:
    first, second = factories.world(), factories.world()
    twice = factories.supervisor(second.program, user_id=first.supervisor_user)
    theirs = factories.partnership(second.program, supervisor=twice)
    listed = client.get(
        f"{API}/partnerships", headers=factories.as_user(first.supervisor_user)
    ).json
    assert {item["id"] for item in listed["items"]} == {first.partnership.id, theirs.id}
    moved = client.post(
        f"{API}/partnerships/{theirs.id}/transitions",
        json={"trigger": "begin_identification"},
        headers=factories.as_user(first.supervisor_user),
    )
    assert moved.status_code == 200


def test_a_host_user_is_one_partner_per_program(client) -> None:
    made = factories.world()
    refused = client.post(
        f"{API}/partners",
        json={
            "program_id": made.program.id,
            "display_name": "Pia",
            "host_user_id": made.partner_user,
        },
        headers=factories.as_user(made.manager_user),
    )
    assert refused.status_code == 409
    assert list(refused.json["error"]["fields"]) == ["host_user_id"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_second_open_partnership_for_a_client_is_refused_without_a_reason(client) -> None:
    made = factories.world()
    refused = _open(client, made, client_id=made.client.id)
    message = _refused(refused, "client_id")
    assert f"open partnership {made.partnership.id}" in message
    assert "another_open_reason" in message
    assert factories.row_count(Partnership) == 1


def test_a_manager_opens_a_second_partnership_saying_why(client) -> None:
    made = factories.world()
    reason = "A second partner for the school domain while the first covers play."
    opened = _open(client, made, client_id=made.client.id, another_open_reason=reason)
    assert opened.status_code == 201, opened.json
    assert opened.json["another_open_reason"] == reason


def test_a_blank_reason_is_no_reason(client) -> None:
    made = factories.world()
    refused = _open(client, made, client_id=made.client.id, another_open_reason="   ")
    _refused(refused, "client_id")


def test_after_the_partnership_ends_a_new_one_needs_no_reason(client) -> None:
    made = factories.world()
    factories.withdraw(made)
    assert _open(client, made, client_id=made.client.id).status_code == 201


def test_an_open_partnership_in_another_program_does_not_count(client) -> None:
    made = factories.world()
    other_program = factories.program(managers=(made.manager_user,))
    same_person = factories.client(other_program)
    factories.partnership(other_program, client=same_person)
    assert _open(client, made, client_id=factories.client(made.program).id).status_code == 201
    assert session().scalar(select(Partnership.id).where(Partnership.client_id == same_person.id))


def test_erasing_the_client_erases_why_a_second_partnership_was_opened(client) -> None:
    made = factories.world()
    reason = "Her brother's partner covers play while the family moves to Hamburg."
    opened = _open(client, made, client_id=made.client.id, another_open_reason=reason)
    assert opened.status_code == 201, opened.json
    erased = client.post(
        f"{API}/clients/{made.client.id}/erase", headers=factories.as_user(made.manager_user)
    )
    assert erased.status_code == 200, erased.json
    session().expire_all()
    kept = session().scalar(
        select(Partnership.another_open_reason).where(Partnership.id == opened.json["id"])
    )
    assert kept == "[erased]"
