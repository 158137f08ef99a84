"""Access-audit rows a program's managers find in their program's trail: intake's rows (a
new referral and a newer version of one), the misses list and the display names read each
carry the program whose care data they were about, and the role they were written under."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select

from tpm_plugin.models import AccessAudit, MissedWeek
from tpm_plugin.services._unit import session
from tpm_plugin.services.display_names import display_names
from tpm_plugin.services.intake.rows import INTAKE_ROLE

from . import factories
from . import intake_helpers as intake
from .conftest import BACKENDS


def _rows(actor_id: str, action: str) -> list[AccessAudit]:
    session().expire_all()
    return list(
        session().scalars(
            select(AccessAudit)
            .where(AccessAudit.actor_id == actor_id, AccessAudit.action == action)
            .order_by(AccessAudit.id)
        )
    )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_new_referrals_rows_carry_the_sources_program_and_the_intake_role(app, client):
    issued = intake.source()
    # The second delivery is the one written in one statement with the claim (PostgreSQL).
    intake.deliver(client, issued, intake.standard_payload(first="Bea"))
    answer = intake.deliver(client, issued, intake.standard_payload())
    assert answer.status_code == 201, answer.json
    rows = [
        row
        for row in _rows(f"intake-source:{issued.source.id}", "create")
        if row.partnership_id == answer.json["partnership_id"]
    ]
    assert sorted((row.object_type, row.object_id) for row in rows) == sorted(
        [
            ("client", str(answer.json["client_id"])),
            ("partnership", str(answer.json["partnership_id"])),
            ("intake_record", str(answer.json["intake_record_id"])),
        ]
    )
    assert {(row.program_id, row.actor_role) for row in rows} == {
        (issued.source.program_id, INTAKE_ROLE)
    }


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_newer_version_of_a_referral_is_audited_in_the_sources_program(app, client):
    issued = intake.source(kind="cognito")
    opened = intake.deliver(client, issued, intake.cognito_payload(1, "5-78"))
    newer = intake.deliver(client, issued, intake.cognito_payload(2, "5-78"))
    assert newer.json["outcome"] == "updated"
    [row] = _rows(f"intake-source:{issued.source.id}", "update")
    assert (row.object_type, row.object_id) == (
        "intake_record",
        str(opened.json["intake_record_id"]),
    )
    assert (row.program_id, row.partnership_id, row.actor_role) == (
        issued.source.program_id,
        opened.json["partnership_id"],
        INTAKE_ROLE,
    )


def test_the_misses_read_carries_the_supervisors_program(app: Flask):
    made = factories.world()
    session().add(
        MissedWeek(
            partnership_id=made.partnership.id,
            supervisor_id=made.supervisor.id,
            week_starts_on=dt.date(2026, 3, 9),
            meetings_target=3,
            meetings_held=1,
        )
    )
    session().commit()
    for user in (made.supervisor_user, made.manager_user):
        answer = app.test_client().get(
            f"/tpm/api/supervisors/{made.supervisor.id}/misses", headers=factories.as_user(user)
        )
        assert answer.status_code == 200 and len(answer.json["items"]) == 1
        [row] = _rows(user, "list_misses")
        assert row.program_id == made.program.id


def test_the_names_read_carries_the_program_when_every_name_is_of_one(app: Flask):
    made = factories.world()
    other = factories.program(managers=(made.manager_user,))
    elsewhere = factories.partnership(other)
    manager = factories.actor(made.manager_user)

    one = display_names(manager, partnership_ids=[made.partnership.id])
    assert one.clients == {made.partnership.id: made.client.display_name}
    both = display_names(manager, partnership_ids=[made.partnership.id, elsewhere.id])
    assert set(both.clients) == {made.partnership.id, elsewhere.id}

    first, second = _rows(made.manager_user, "read_names")
    assert (first.program_id, first.actor_role) == (made.program.id, "program_manager")
    # Names of two programs: the row belongs to neither program's trail alone.
    assert second.program_id is None
    assert sorted(second.object_ids) == sorted([made.client.id, elsewhere.client_id])
