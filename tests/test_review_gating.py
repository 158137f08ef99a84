"""Review gating: a partnership leaves review only by the way its review decided, written in
that review stage, and leaves planning after a replan only with a new plan version.

Each bypass the model forbids is tried as a request and must fail with its reason.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tpm_plugin.services import reviews, transitions
from tpm_plugin.workflows.definition import default_definition

from . import factories
from .conftest import BACKENDS

REVIEW = {"participants": ["partner", "client"], "discussion": "Thought together.", "ratings": []}


def _to_review(world: factories.World) -> None:
    factories.activate(world)
    transitions.fire(factories.actor(world.manager_user), world.partnership.id, "begin_review")


def _review(world: factories.World, outcome: str) -> int:
    data = {**REVIEW, "held_at": _now(), "outcome": outcome}
    return reviews.add_review(factories.actor(world.manager_user), world.partnership.id, data).id


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fire(client, world: factories.World, trigger: str):
    return client.post(
        f"/tpm/api/partnerships/{world.partnership.id}/transitions",
        json={"trigger": trigger},
        headers=factories.as_user(world.manager_user),
    )


def _guards(response) -> list[str]:
    return [reason["guard"] for reason in response.json["error"]["reasons"]]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
@pytest.mark.parametrize("trigger", ["continue_partnership", "replan", "begin_closing"])
def test_leaving_review_without_a_review_is_refused_naming_the_missing_review(
    client, trigger: str
) -> None:
    world = factories.world()
    _to_review(world)
    refused = _fire(client, world, trigger)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "guard_failed"
    outcome = {"continue_partnership": "continue", "replan": "replan", "begin_closing": "close"}
    assert _guards(refused) == [f"review_decided_{outcome[trigger]}"]
    assert f"decides to {outcome[trigger]}" in refused.json["error"]["message"]


def test_a_review_deciding_replan_does_not_let_the_partnership_continue(client) -> None:
    world = factories.world()
    _to_review(world)
    _review(world, "replan")
    refused = _fire(client, world, "continue_partnership")
    assert refused.status_code == 409
    assert _guards(refused) == ["review_decided_continue"]
    assert _fire(client, world, "replan").json["stage"] == "planning"


def test_a_review_from_an_earlier_review_stage_does_not_count(client) -> None:
    world = factories.world()
    _to_review(world)
    _review(world, "continue")
    assert _fire(client, world, "continue_partnership").status_code == 200
    assert _fire(client, world, "begin_review").status_code == 200
    refused = _fire(client, world, "continue_partnership")
    assert refused.status_code == 409
    assert _guards(refused) == ["review_decided_continue"]


def test_the_latest_review_written_in_the_stage_decides(client) -> None:
    world = factories.world()
    _to_review(world)
    _review(world, "close")
    _review(world, "continue")
    assert _fire(client, world, "begin_closing").status_code == 409
    assert _fire(client, world, "continue_partnership").status_code == 200


def test_a_corrected_review_counts_by_its_correction(client) -> None:
    world = factories.world()
    _to_review(world)
    first = _review(world, "close")
    data = {**REVIEW, "held_at": _now(), "outcome": "continue", "supersedes_id": first}
    reviews.add_review(factories.actor(world.manager_user), world.partnership.id, data)
    assert _fire(client, world, "begin_closing").status_code == 409
    assert _fire(client, world, "continue_partnership").status_code == 200


def test_a_review_written_before_a_pause_still_counts_after_it(client) -> None:
    world = factories.world()
    _to_review(world)
    _review(world, "continue")
    manager = factories.actor(world.manager_user)
    transitions.fire(manager, world.partnership.id, "put_on_hold", "Client away.")
    transitions.fire(manager, world.partnership.id, "resume_review")
    assert _fire(client, world, "continue_partnership").status_code == 200


def test_transitions_list_says_which_review_is_missing(client) -> None:
    world = factories.world()
    _to_review(world)
    _review(world, "replan")
    answer = client.get(
        f"/tpm/api/partnerships/{world.partnership.id}/transitions",
        headers=factories.as_user(world.manager_user),
    ).json
    blocked = {option["trigger"]: option["reasons"] for option in answer["blocked"]}
    assert [r["guard"] for r in blocked["continue_partnership"]] == ["review_decided_continue"]
    assert "decides to continue" in blocked["continue_partnership"][0]["message"]
    assert [r["guard"] for r in blocked["begin_closing"]] == ["review_decided_close"]
    assert "replan" in [option["trigger"] for option in answer["available"]]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_activating_after_a_replan_with_the_old_plan_is_refused(client) -> None:
    world = factories.world()
    _to_review(world)
    _review(world, "replan")
    assert _fire(client, world, "replan").status_code == 200
    refused = _fire(client, world, "activate")
    assert refused.status_code == 409
    assert _guards(refused) == ["plan_made_since_replan"]
    assert "new plan version" in refused.json["error"]["message"]


def test_activating_after_a_replan_with_a_new_plan_version_is_allowed(client) -> None:
    world = factories.world()
    _to_review(world)
    _review(world, "replan")
    _fire(client, world, "replan")
    plan = {"activities": [{"domain": "work", "aim": "Cook together.", "answers": []}]}
    plans_url = f"/tpm/api/partnerships/{world.partnership.id}/plans"
    entries = client.get(
        f"/tpm/api/partnerships/{world.partnership.id}/identification-entries",
        headers=factories.as_user(world.manager_user),
    ).json["items"]
    plan["activities"][0]["answers"] = [entries[0]["id"]]
    made = client.post(plans_url, json=plan, headers=factories.as_user(world.manager_user))
    assert made.status_code == 201
    assert _fire(client, world, "activate").json["stage"] == "active"


def test_the_shipped_definition_names_the_review_guards() -> None:
    guards = {t["trigger"]: t["guards"] for t in default_definition()["transitions"]}
    assert guards["continue_partnership"][0] == "review_decided_continue"
    assert guards["replan"] == ["review_decided_replan"]
    assert guards["begin_closing"] == ["review_decided_close"]
    assert "plan_made_since_replan" in guards["activate"]


def test_the_published_definition_served_by_the_api_shows_the_guards(client) -> None:
    world = factories.world()
    answer = client.get(
        "/tpm/api/workflows/therapeutic_partnership/versions/1",
        headers=factories.as_user(world.manager_user),
    )
    assert answer.status_code == 200
    transitions_by_trigger = {t["trigger"]: t for t in answer.json["definition"]["transitions"]}
    assert transitions_by_trigger["replan"]["guards"] == ["review_decided_replan"]
