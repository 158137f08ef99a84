"""The weeks a supervisor's partnerships ended below the meetings target, as a page."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from sqlalchemy import update

from tests import factories
from tpm_plugin.models import MissedWeek, Partnership, ProgramTargets, TransitionAudit
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import unit_of_work
from tpm_plugin.services.rhythm import flag_missed_weeks

from .supervisor_helpers import audit_actions

SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)


def _missed_a_week() -> factories.World:
    """In identification since January (a stage that owes meetings), none held: the week
    of 2026-03-09 is flagged."""
    made = factories.world(timezone="America/Chicago", started_at=SINCE)
    transitions.fire(
        factories.actor(made.manager_user), made.partnership.id, "begin_identification"
    )
    with unit_of_work() as unit:
        unit.session.execute(
            update(TransitionAudit)
            .where(TransitionAudit.partnership_id == made.partnership.id)
            .values(occurred_at=SINCE)
        )
        unit.session.execute(
            update(ProgramTargets)
            .where(ProgramTargets.program_id == made.program.id)
            .values(valid_from=SINCE)
        )
    flag_missed_weeks(NOW)
    return made


def test_the_supervisor_sees_each_missed_week_with_the_clients_name(app: Flask, client) -> None:
    made = _missed_a_week()
    page = client.get("/tpm/supervisor/misses", headers=factories.as_user(made.supervisor_user))
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 week below target" in body
    assert made.client.display_name in body
    assert "Mar 9, 2026" in body
    assert ("list_misses", "allowed") in audit_actions(made.supervisor_user, "missed_week")


def test_a_manager_reads_a_supervisors_misses_and_a_partner_may_not(app: Flask, client) -> None:
    made = _missed_a_week()
    url = f"/tpm/supervisor/misses?supervisor_id={made.supervisor.id}"
    assert client.get(url, headers=factories.as_user(made.manager_user)).status_code == 200
    refused = client.get(url, headers=factories.as_user(made.partner_user))
    assert refused.status_code == 404
    assert made.client.display_name not in refused.get_data(as_text=True)


def test_no_missed_week_says_so(app: Flask, client) -> None:
    made = factories.world()
    page = client.get("/tpm/supervisor/misses", headers=factories.as_user(made.supervisor_user))
    assert "No week below target" in page.get_data(as_text=True)


def test_a_supervisor_in_two_programs_sees_the_misses_of_each(app: Flask, client) -> None:
    made = _missed_a_week()
    # The same host user supervises in a second program, where a week was missed too.
    other = _missed_a_week()
    second = factories.supervisor(other.program, user_id=made.supervisor_user)
    with unit_of_work() as unit:
        unit.session.execute(
            update(MissedWeek)
            .where(MissedWeek.supervisor_id == other.supervisor.id)
            .values(supervisor_id=second.id)
        )
        unit.session.execute(
            update(Partnership)
            .where(Partnership.id == other.partnership.id)
            .values(supervisor_id=second.id)
        )
    for supervisor_id, shown in ((made.supervisor.id, made), (second.id, other)):
        page = client.get(
            f"/tpm/supervisor/misses?supervisor_id={supervisor_id}",
            headers=factories.as_user(made.supervisor_user),
        )
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "1 week below target" in body
        assert shown.client.display_name in body
    foreign = client.get(
        f"/tpm/supervisor/misses?supervisor_id={other.supervisor.id}",
        headers=factories.as_user(made.supervisor_user),
    )
    assert foreign.status_code == 404
    assert other.client.display_name not in foreign.get_data(as_text=True)
    assert audit_actions(made.supervisor_user, "supervisor") == [("list_misses", "denied")]
    assert audit_actions(made.supervisor_user, "missed_week") == [
        ("list_misses", "allowed"),
        ("list_misses", "allowed"),
    ]
