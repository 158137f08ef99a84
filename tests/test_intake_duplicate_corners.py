"""What a ``same`` resolution (or an erasure) leaves behind for others: no flagged record
offers a client that no longer exists (removed as a duplicate, or erased)."""

from __future__ import annotations

import pytest

from tpm_plugin.models import Client, IntakeRecord
from tpm_plugin.services._unit import session

from . import factories
from . import intake_helpers as intake
from .conftest import BACKENDS
from .pages.test_manager_editor import TOKEN, with_token
from .test_intake_duplicates import FLAGGED, _resolve

PAGE = "/tpm/manager/intake"
REASON = {"another_open_reason": "Referred again."}


def _same(client, record_id, headers, kept_id):
    done = _resolve(
        client, record_id, headers, decision="same", same_as_client_id=kept_id, **REASON
    )
    assert done.status_code == 200, done.json
    return done


def _three(client):
    """A source, its manager's headers, and three referrals of one person: the second
    flags the first, the third flags both."""
    issued = intake.source()
    first = intake.deliver(client, issued, intake.standard_payload()).json
    second = intake.deliver(client, issued, intake.standard_payload()).json
    third = intake.deliver(client, issued, intake.standard_payload()).json
    assert third["possible_duplicate_client_ids"] == [first["client_id"], second["client_id"]]
    return issued, factories.as_user(intake.manager_of(issued).user_id), first, second, third


def _listed(client, manager) -> dict[int, list[int]]:
    listed = client.get(FLAGGED, headers=manager)
    assert listed.status_code == 200
    return {item["intake_record_id"]: item["duplicate_client_ids"] for item in listed.json}


# --- no removed client offered ----------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_after_same_another_record_flags_the_kept_client_instead_once(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])

    assert _listed(client, manager) == {third["intake_record_id"]: [first["client_id"]]}
    session().expire_all()
    record = session().get(IntakeRecord, third["intake_record_id"])
    assert record.possible_duplicate_client_ids == [first["client_id"]]


def test_after_same_the_kept_client_can_be_chosen_on_the_other_record(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])

    done = _same(client, third["intake_record_id"], manager, first["client_id"])

    assert done.json["client_id"] == first["client_id"]
    assert session().get(Client, third["client_id"]) is None


def test_after_same_the_page_offers_only_clients_that_exist(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])
    with_token(client)

    page = client.get(PAGE, headers=manager).text

    assert f"looks like: {first['client_id']}</p>" in page
    assert f'value="{first["client_id"]}"' in page
    assert f'value="{second["client_id"]}"' not in page
    chosen = client.post(
        f"{PAGE}/duplicates/{third['intake_record_id']}/resolution",
        data={"csrf_token": TOKEN, "choice": str(first["client_id"]), **REASON},
        headers=manager,
    )
    assert chosen.status_code == 303


def test_after_same_the_cli_lists_only_clients_that_exist(app, client):
    issued, manager, first, second, third = _three(client)
    _same(client, second["intake_record_id"], manager, first["client_id"])

    listed = app.test_cli_runner().invoke(args=["tpm", "intake", "duplicates"])

    assert listed.exit_code == 0
    assert f"{third['intake_record_id']}\tclient {third['client_id']}\t" in listed.output
    assert listed.output.splitlines()[0].endswith(f"\tlooks like {first['client_id']}")
    assert "1 possible duplicate(s) waiting." in listed.output


def test_a_record_does_not_come_to_flag_its_own_client(app, client):
    issued, manager, first, second, third = _three(client)
    # Flags written by hand: a record whose own client is the one kept in place of another.
    record = session().get(IntakeRecord, first["intake_record_id"])
    record.possible_duplicate_client_ids = [second["client_id"]]
    session().commit()
    _same(client, second["intake_record_id"], manager, first["client_id"])

    assert first["intake_record_id"] not in _listed(client, manager)
    session().expire_all()
    assert session().get(IntakeRecord, first["intake_record_id"]).possible_duplicate_client_ids in (
        None,
        [],
    )


def test_flags_naming_clients_that_no_longer_exist_are_not_offered(app, client):
    issued, manager, first, second, third = _three(client)
    # Flags stored before removals repointed them: one names a client that is gone.
    record = session().get(IntakeRecord, third["intake_record_id"])
    record.possible_duplicate_client_ids = [first["client_id"], 999_999]
    session().commit()

    listed = _listed(client, manager)

    assert listed[third["intake_record_id"]] == [first["client_id"]]


# --- erasure ----------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_an_erased_client_is_no_longer_offered_as_a_duplicate(app, client):
    issued, manager, first, second, third = _three(client)

    erased = client.post(f"/tpm/api/clients/{first['client_id']}/erase", headers=manager)

    assert erased.status_code == 200
    assert erased.json["rows_scrubbed"]["intake_flags"] == 2
    # The second record looked like the erased client only: nothing is left to decide.
    assert _listed(client, manager) == {third["intake_record_id"]: [second["client_id"]]}
    with_token(client)
    page = client.get(PAGE, headers=manager).text
    assert f'value="{first["client_id"]}"' not in page
    output = app.test_cli_runner().invoke(args=["tpm", "intake", "duplicates"]).output
    assert f"looks like {second['client_id']}\n" in output
    assert "1 possible duplicate(s) waiting." in output


def test_an_erased_client_still_flagged_is_not_offered(app, client):
    issued, manager, first, second, third = _three(client)
    client.post(f"/tpm/api/clients/{first['client_id']}/erase", headers=manager)
    # Flags stored before erasure dropped them.
    record = session().get(IntakeRecord, third["intake_record_id"])
    record.possible_duplicate_client_ids = [first["client_id"], second["client_id"]]
    session().commit()

    assert _listed(client, manager)[third["intake_record_id"]] == [second["client_id"]]
