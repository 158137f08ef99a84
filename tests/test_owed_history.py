"""History stays history: a reassignment or a change of targets moves the weeks after it,
never the weeks before. Every weekly figure credits whoever held the assignment, at the
target in force, in that week."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import MetaData, create_engine, insert, select

from tpm_plugin import migrate
from tpm_plugin.models import (
    Meeting,
    Partnership,
    PartnershipAssignment,
    Program,
    ProgramTargets,
    TransitionAudit,
    metadata,
    utcnow,
)
from tpm_plugin.services import fidelity
from tpm_plugin.services._unit import session

from . import factories
from .conftest import BACKENDS
from .factories import as_user

API = "/tpm/api"
WEEKS = 4


def _move_back(made: factories.World, delta: dt.timedelta) -> None:
    """Move the program's and the partnership's whole past ``delta`` earlier, as if it had
    all happened then."""
    partnership = session().get(Partnership, made.partnership.id)
    partnership.started_at -= delta
    partnership.stage_entered_at -= delta
    session().get(Program, made.program.id).created_at -= delta
    for model, column in (
        (TransitionAudit, "occurred_at"),
        (PartnershipAssignment, "valid_from"),
        (ProgramTargets, "valid_from"),
    ):
        for row in session().scalars(select(model)):
            setattr(row, column, getattr(row, column) - delta)
    session().commit()


def _local_monday(timezone: str) -> dt.datetime:
    """Noon of the Monday that starts the current week in ``timezone``."""
    today = utcnow().astimezone(ZoneInfo(timezone)).date()
    monday = today - dt.timedelta(days=today.weekday())
    return dt.datetime.combine(monday, dt.time(12), ZoneInfo(timezone))


def _fidelity(client, made: factories.World, path: str) -> list[dict]:
    response = client.get(
        f"{API}/{path}/fidelity?weeks={WEEKS}", headers=as_user(made.manager_user)
    )
    assert response.status_code == 200, response.json
    return response.json["weeks"]


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_reassigning_and_retargeting_mid_period_leaves_past_weeks_as_they_were(
    app: Flask, client
) -> None:
    made = factories.world(timezone="America/Chicago")
    factories.activate(made)
    _move_back(made, dt.timedelta(weeks=WEEKS + 1))
    # Counted back from the Monday that starts this local week, at noon, so that each
    # meeting falls in the same complete past week whatever the day the test runs (counted
    # back from now, "22 days ago" left the four weeks' window every Monday in Chicago).
    monday = _local_monday("America/Chicago")
    for days_before_monday in (20, 13, 12, 6):
        session().add(
            Meeting(
                partnership_id=made.partnership.id,
                scheduled_at=monday - dt.timedelta(days=days_before_monday),
                status="held",
            )
        )
    session().commit()
    scopes = {
        "partnership": f"partnerships/{made.partnership.id}",
        "partner": f"partners/{made.partner.id}",
        "supervisor": f"supervisors/{made.supervisor.id}",
        "program": f"programs/{made.program.id}",
    }
    before = {name: _fidelity(client, made, path) for name, path in scopes.items()}
    assert sum(w["meetings"]["held"] for w in before["partner"]) == 4
    assert before["partner"][0]["meetings"]["target"] == 3

    new_partner = factories.partner(made.program)
    new_supervisor = factories.supervisor(made.program)
    manager = as_user(made.manager_user)
    reassigned = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"partner_id": new_partner.id, "supervisor_id": new_supervisor.id},
        headers=manager,
    )
    retargeted = client.patch(
        f"{API}/programs/{made.program.id}",
        json={"meetings_per_week": 5, "supervision_minutes_per_client": 40},
        headers=manager,
    )
    assert (reassigned.status_code, retargeted.status_code) == (200, 200)

    after = {name: _fidelity(client, made, path) for name, path in scopes.items()}
    past = slice(0, WEEKS - 1)  # every complete week before this one
    for name in scopes:
        assert after[name][past] == before[name][past], name
    newcomers = [
        _fidelity(client, made, f"partners/{new_partner.id}"),
        _fidelity(client, made, f"supervisors/{new_supervisor.id}"),
    ]
    for weeks in newcomers:
        assert all(w["meetings"]["target"] == 0 for w in weeks[past])
        assert all(w["meetings"]["held"] == 0 for w in weeks[past])
        assert all(w["supervision"]["minutes_owed"] == 0 for w in weeks[past])


def test_this_weeks_owed_is_split_between_the_partner_before_and_after_a_reassignment(
    app: Flask, client
) -> None:
    made = factories.world()
    factories.activate(made)
    _move_back(made, dt.timedelta(weeks=2))
    new_partner = factories.partner(made.program)
    response = client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"partner_id": new_partner.id},
        headers=as_user(made.manager_user),
    )
    assert response.status_code == 200

    manager = factories.actor(made.manager_user)
    old = fidelity.partner_fidelity(manager, made.partner.id, weeks=1).weeks[0].owed
    new = fidelity.partner_fidelity(manager, new_partner.id, weeks=1).weeks[0].owed
    whole = fidelity.partnership_fidelity(manager, made.partnership.id, weeks=1).weeks[0].owed
    assert old + new == whole
    assert old.share > 0
    assert new.share > 0


def test_a_reassignment_closes_one_period_and_opens_the_next(app: Flask, client) -> None:
    made = factories.world()
    new_partner = factories.partner(made.program)
    client.patch(
        f"{API}/partnerships/{made.partnership.id}",
        json={"partner_id": new_partner.id},
        headers=as_user(made.manager_user),
    )
    periods = (
        session().scalars(select(PartnershipAssignment).order_by(PartnershipAssignment.id)).all()
    )
    assert [(p.partner_id, p.supervisor_id) for p in periods] == [
        (made.partner.id, made.supervisor.id),
        (new_partner.id, made.supervisor.id),
    ]
    assert periods[0].valid_until == periods[1].valid_from
    assert periods[1].valid_until is None
    assert periods[1].changed_by == made.manager_user


def test_a_patch_that_changes_no_target_opens_no_target_period(app: Flask, client) -> None:
    made = factories.world()
    client.patch(
        f"{API}/programs/{made.program.id}",
        json={"name": "Renamed", "meetings_per_week": made.program.meetings_per_week},
        headers=as_user(made.manager_user),
    )
    assert factories.row_count(ProgramTargets) == 1


def test_the_migration_backfills_one_open_period_per_partnership_and_program(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'before.db'}")
    # Seed the schema as it stands just before 0004 (reflected, so columns that later
    # revisions add are not written), with the program on its own copy as 0003 leaves it.
    migrate.upgrade(engine, "0003")
    created = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    started = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    before = MetaData()
    before.reflect(engine)
    tables = before.tables
    with engine.begin() as connection:
        connection.execute(
            insert(tables["tpm_programs"]).values(
                id=1,
                key="yes",
                name="YES",
                timezone="UTC",
                meetings_per_week=2,
                supervision_minutes_per_client=30,
                workflow_key="yes_therapeutic_partnership",
                created_at=created,
            )
        )
        connection.execute(
            insert(tables["tpm_clients"]).values(
                id=1, program_id=1, is_minor=False, created_at=created
            )
        )
        connection.execute(
            insert(tables["tpm_partners"]).values(
                id=7, program_id=1, display_name="P", active=True, created_at=created
            )
        )
        connection.execute(
            insert(tables["tpm_partnerships"]).values(
                id=1,
                program_id=1,
                client_id=1,
                partner_id=7,
                stage="active",
                workflow_key="yes_therapeutic_partnership",
                workflow_version=1,
                stage_entered_at=started,
                started_at=started,
                version_id=1,
            )
        )
    migrate.upgrade(engine, "0004")
    with engine.connect() as connection:
        assignments = connection.execute(
            select(metadata.tables["tpm_partnership_assignments"])
        ).all()
        targets = connection.execute(select(metadata.tables["tpm_program_targets"])).all()
    engine.dispose()
    assert [
        (a.partnership_id, a.partner_id, a.supervisor_id, a.valid_from, a.valid_until)
        for a in assignments
    ] == [(1, 7, None, started, None)]
    assert [
        (t.program_id, t.meetings_per_week, t.supervision_minutes_per_client, t.valid_from)
        for t in targets
    ] == [(1, 2, 30, created)]
