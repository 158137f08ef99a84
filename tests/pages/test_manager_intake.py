"""Intake review: a program manager sees the deliveries that could not be opened and
replays them once the mapping is fixed, and sees referrals flagged as possible duplicates;
nobody else does."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests import factories
from tests import intake_helpers as intake
from tpm_plugin.models import AccessAudit, IntakeDeadLetter, IntakeRecord
from tpm_plugin.services._unit import session
from tpm_plugin.services.intake import sources

from .test_manager_editor import TOKEN, with_token

PAGE = "/tpm/manager/intake"


def _nameless_letter(client, issued) -> int:
    payload = intake.standard_payload()
    del payload["client"]["first_name"], payload["client"]["last_name"]
    failed = intake.deliver(client, issued, payload)
    assert failed.status_code == 422
    return failed.json["error"]["dead_letter_id"]


@pytest.fixture
def issued(app: Flask):
    return intake.source()


@pytest.fixture
def manager(client, issued) -> dict[str, str]:
    with_token(client)
    return factories.as_user(intake.manager_of(issued).user_id)


def _status(letter_id: int) -> str:
    session().expire_all()
    return session().get(IntakeDeadLetter, letter_id).status


def test_a_waiting_dead_letter_is_listed_with_what_went_wrong(client, manager, issued) -> None:
    letter_id = _nameless_letter(client, issued)
    page = client.get(PAGE, headers=manager)
    assert page.status_code == 200
    assert f"Dead letter {letter_id}" in page.text and "display_name" in page.text
    assert "Intake review" in client.get("/tpm/", headers=manager).text
    [audit] = (
        session()
        .scalars(select(AccessAudit).where(AccessAudit.object_type == "intake_dead_letter"))
        .all()
    )
    assert audit.object_ids == [letter_id]


def test_a_replay_that_still_does_not_fit_is_shown_beside_the_letter(
    client, manager, issued
) -> None:
    letter_id = _nameless_letter(client, issued)
    refused = client.post(
        f"{PAGE}/dead-letters/{letter_id}/replay", data={"csrf_token": TOKEN}, headers=manager
    )
    assert refused.status_code == 422
    assert "Replaying it failed" in refused.text and 'href="#letter-' in refused.text
    assert _status(letter_id) == "waiting"


def test_a_replay_after_the_mapping_is_fixed_opens_the_referral(client, app) -> None:
    issued = intake.source(kind="tally")
    payload = intake.tally_payload()
    for item in payload["data"]["fields"]:
        item["key"] = (
            item["key"]
            .replace("question_first", "question_given")
            .replace("question_last", "question_family")
        )
    letter_id = intake.deliver(client, issued, payload).json["error"]["dead_letter_id"]
    with_token(client)
    manager = factories.as_user(intake.manager_of(issued).user_id)
    fixed = {
        **intake.MAPPINGS["tally"],
        "first_name": "question_given",
        "last_name": "question_family",
    }
    sources.update_source(intake.manager_of(issued), issued.source.id, {"mapping": fixed})
    done = client.post(
        f"{PAGE}/dead-letters/{letter_id}/replay", data={"csrf_token": TOKEN}, headers=manager
    )
    assert done.status_code == 303
    assert _status(letter_id) == "replayed"
    page = client.get(done.headers["Location"], headers=manager)
    assert f"Dead letter {letter_id} was replayed" in page.text
    assert f"Replay dead letter {letter_id}" not in page.text
    again = client.post(
        f"{PAGE}/dead-letters/{letter_id}/replay", data={"csrf_token": TOKEN}, headers=manager
    )
    assert again.status_code == 409 and "replayed already" in again.text


def test_a_referral_like_an_existing_client_is_listed_as_a_possible_duplicate(
    client, manager, issued
) -> None:
    first = intake.deliver(client, issued, intake.standard_payload())
    second = intake.deliver(client, issued, intake.standard_payload())
    page = client.get(PAGE, headers=manager)
    assert f"New client {second.json['client_id']}," in page.text
    assert f"looks like: {first.json['client_id']}" in page.text
    assert "Ana" not in page.text  # ids only
    [audit] = (
        session()
        .scalars(
            select(AccessAudit).where(
                AccessAudit.object_type == "intake_record", AccessAudit.action == "list"
            )
        )
        .all()
    )
    assert audit.object_ids == [second.json["intake_record_id"]]


def test_another_programs_manager_sees_nothing_and_cannot_replay(client, issued) -> None:
    letter_id = _nameless_letter(client, issued)
    with_token(client)
    other = factories.as_user(factories.program_manager_of(factories.program()))
    page = client.get(PAGE, headers=other)
    assert page.status_code == 200 and f"Dead letter {letter_id}" not in page.text
    refused = client.post(
        f"{PAGE}/dead-letters/{letter_id}/replay", data={"csrf_token": TOKEN}, headers=other
    )
    assert refused.status_code == 404 and refused.mimetype == "text/html"
    assert _status(letter_id) == "waiting"


def test_a_partner_finds_no_intake_review(client, app) -> None:
    made = factories.world()
    assert client.get(PAGE, headers=factories.as_user(made.partner_user)).status_code == 404


def test_a_replay_without_the_csrf_token_is_refused(client, manager, issued) -> None:
    letter_id = _nameless_letter(client, issued)
    refused = client.post(f"{PAGE}/dead-letters/{letter_id}/replay", headers=manager)
    assert refused.status_code == 400
    assert _status(letter_id) == "waiting"


# --- possible duplicates: a manager's decision, with and without htmx -------------------


def _flagged(client, issued) -> tuple[dict, dict]:
    first = intake.deliver(client, issued, intake.standard_payload()).json
    second = intake.deliver(client, issued, intake.standard_payload()).json
    return first, second


def _decide(client, manager, record_id: int, choice: str, **headers: str):
    return client.post(
        f"{PAGE}/duplicates/{record_id}/resolution",
        data={"csrf_token": TOKEN, "choice": choice, "another_open_reason": "Referred twice."},
        headers={**manager, **headers},
    )


def _resolved(record_id: int) -> str | None:
    session().expire_all()
    return session().get(IntakeRecord, record_id).duplicates_decision


def test_without_htmx_a_decision_redirects_to_the_page_which_no_longer_lists_it(
    client, manager, issued
) -> None:
    first, second = _flagged(client, issued)
    record_id = second["intake_record_id"]
    done = _decide(client, manager, record_id, str(first["client_id"]))
    assert done.status_code == 303 and "HX-Request" in done.headers["Vary"]
    assert _resolved(record_id) == "same"
    page = client.get(done.headers["Location"], headers=manager)
    assert f"Intake record {record_id} was resolved." in page.text
    assert f"Record the decision on intake record {record_id}" not in page.text
    assert "<nav" in page.text  # the whole page, in the layout


def test_with_htmx_a_decision_answers_only_the_list_of_possible_duplicates(
    client, manager, issued
) -> None:
    first, second = _flagged(client, issued)
    record_id = second["intake_record_id"]
    done = _decide(client, manager, record_id, "distinct", **{"HX-Request": "true"})
    assert done.status_code == 200 and "HX-Request" in done.headers["Vary"]
    assert done.text.lstrip().startswith('<section id="tpm-duplicates"')
    assert "<nav" not in done.text and "Dead letters" not in done.text
    assert f"Intake record {record_id} was resolved." in done.text
    assert _resolved(record_id) == "distinct"


@pytest.mark.parametrize("htmx", [False, True])
def test_a_decision_without_a_choice_is_shown_beside_the_referral(
    client, manager, issued, htmx: bool
) -> None:
    first, second = _flagged(client, issued)
    record_id = second["intake_record_id"]
    headers = {"HX-Request": "true"} if htmx else {}
    refused = _decide(client, manager, record_id, "", **headers)
    assert refused.status_code == 422 and "HX-Request" in refused.headers["Vary"]
    assert "The decision was not recorded" in refused.text
    assert f'aria-describedby="duplicate-{record_id}-error"' in refused.text
    assert ("<nav" in refused.text) is not htmx
    assert _resolved(record_id) is None


def test_another_programs_manager_cannot_resolve(client, issued) -> None:
    first, second = _flagged(client, issued)
    with_token(client)
    other = factories.as_user(factories.program_manager_of(factories.program()))
    refused = _decide(client, other, second["intake_record_id"], "distinct")
    assert refused.status_code == 404 and refused.mimetype == "text/html"
    assert _resolved(second["intake_record_id"]) is None


def test_the_page_asks_htmx_to_swap_only_the_list(client, manager, issued) -> None:
    first, second = _flagged(client, issued)
    page = client.get(PAGE, headers=manager)
    assert 'hx-target="#tpm-duplicates"' in page.text and 'hx-swap="outerHTML"' in page.text
    assert "HX-Request" in page.headers["Vary"]
