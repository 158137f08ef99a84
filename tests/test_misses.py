"""Misses: a program-local week that ended below its meetings target is flagged on the
supervisor's list by the sweep (once, with a signal after commit), and the list is read
only by that supervisor and the program's managers, every read audited."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from sqlalchemy import select, update

from tpm_plugin import signals
from tpm_plugin.models import (
    AccessAudit,
    Meeting,
    MissedWeek,
    ProgramTargets,
    TransitionAudit,
)
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.rhythm import flag_missed_weeks

from . import factories
from .conftest import BACKENDS

# Monday 2026-03-09 to Sunday 2026-03-15 in Chicago: clocks spring forward on the 8th, so
# the week is fully daylight time; "now" is the Monday after, 09:00 local.
WEEK = dt.date(2026, 3, 9)
NOW = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)


SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _world_started_before_the_week() -> factories.World:
    """A partnership that began in January and has been in identification (a stage that
    owes, under the program's targets) since then: owed time follows the stages and the
    targets in force, so both are dated back with it."""
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
    return made


def _held(made: factories.World, *days: int) -> None:
    with unit_of_work() as unit:
        for day in days:
            unit.session.add(
                Meeting(
                    partnership_id=made.partnership.id,
                    # 17:00 local (UTC-5) on the given day of the week.
                    scheduled_at=dt.datetime(2026, 3, 9 + day, 22, 0, tzinfo=dt.UTC),
                    status="held",
                    minutes=60,
                )
            )


@pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
def test_a_week_below_target_is_flagged_once_with_a_signal(app: Flask):
    made = _world_started_before_the_week()
    _held(made, 0, 2)
    heard = []

    def receiver(sender, **extra):
        # Sent after commit: the flagged week is already readable from a fresh query.
        heard.append((extra, session().scalar(select(MissedWeek.id))))

    with signals.week_missed.connected_to(receiver):
        assert flag_missed_weeks(NOW) == 1
        assert flag_missed_weeks(NOW + dt.timedelta(hours=1)) == 0
    missed = session().scalars(select(MissedWeek)).one()
    assert (missed.partnership_id, missed.supervisor_id) == (
        made.partnership.id,
        made.supervisor.id,
    )
    assert (missed.week_starts_on, missed.meetings_target, missed.meetings_held) == (WEEK, 3, 2)
    [(extra, row_id)] = heard
    assert row_id == missed.id
    assert extra["week_starts_on"] == WEEK and extra["partnership_id"] == made.partnership.id


def test_a_week_on_target_is_not_flagged(app: Flask):
    made = _world_started_before_the_week()
    _held(made, 0, 2, 4)
    assert flag_missed_weeks(NOW) == 0
    assert factories.row_count(MissedWeek) == 0


def test_a_week_is_checked_only_once_it_has_ended_locally(app: Flask):
    made = _world_started_before_the_week()
    _held(made, 0)
    # Sunday 23:30 in Chicago: the week of the 9th has not ended; the week before is checked.
    flag_missed_weeks(dt.datetime(2026, 3, 16, 4, 30, tzinfo=dt.UTC))
    assert session().scalars(select(MissedWeek.week_starts_on)).all() == [dt.date(2026, 3, 2)]


def _misses(app: Flask, supervisor_id: int, user: str):
    return app.test_client().get(
        f"/tpm/api/supervisors/{supervisor_id}/misses", headers=factories.as_user(user)
    )


def test_the_supervisor_and_the_manager_read_the_misses(app: Flask):
    made = _world_started_before_the_week()
    flag_missed_weeks(NOW)
    for user in (made.supervisor_user, made.manager_user):
        answer = _misses(app, made.supervisor.id, user)
        assert answer.status_code == 200
        assert [item["week_starts_on"] for item in answer.json["items"]] == ["2026-03-09"]
        assert answer.json["items"][0]["meetings_held"] == 0
    audited = session().scalars(
        select(AccessAudit.actor_id).where(
            AccessAudit.object_type == "missed_week", AccessAudit.action == "list_misses"
        )
    )
    assert sorted(audited) == sorted([made.supervisor_user, made.manager_user])


def test_another_supervisor_or_the_partner_cannot_read_the_misses(app: Flask):
    made = _world_started_before_the_week()
    other = factories.supervisor(made.program)
    flag_missed_weeks(NOW)
    for user in (other.host_user_id, made.partner_user):
        answer = _misses(app, made.supervisor.id, user)
        assert answer.status_code == 404
        assert answer.json["error"]["code"] == "not_found"
    denied = session().scalars(
        select(AccessAudit.actor_id).where(
            AccessAudit.object_type == "supervisor", AccessAudit.outcome == "denied"
        )
    )
    assert sorted(denied) == sorted([other.host_user_id, made.partner_user])


def test_misses_of_an_unknown_supervisor_are_not_found(app: Flask):
    made = factories.world()
    assert _misses(app, 99999, made.manager_user).status_code == 404


def test_a_bad_since_is_refused_naming_it(app: Flask):
    made = factories.world()
    answer = app.test_client().get(
        f"/tpm/api/supervisors/{made.supervisor.id}/misses?since=yesterday",
        headers=factories.as_user(made.supervisor_user),
    )
    assert answer.status_code == 422
    assert "since" in answer.json["error"]["fields"]


def test_misses_since_a_date_leave_out_older_weeks(app: Flask):
    made = _world_started_before_the_week()
    flag_missed_weeks(NOW)
    answer = app.test_client().get(
        f"/tpm/api/supervisors/{made.supervisor.id}/misses?since=2026-03-10",
        headers=factories.as_user(made.supervisor_user),
    )
    assert answer.json["items"] == []


def _missed(partnership_id: int, supervisor_id: int) -> None:
    session().add(
        MissedWeek(
            partnership_id=partnership_id,
            supervisor_id=supervisor_id,
            week_starts_on=WEEK,
            meetings_target=3,
            meetings_held=1,
        )
    )
    session().commit()


def test_a_supervisor_in_two_programs_reads_the_misses_of_both_rows(app: Flask):
    made = factories.world()
    # One host user, two supervisor rows: one per program they supervise in.
    other = factories.program()
    second = factories.supervisor(other, user_id=made.supervisor_user)
    elsewhere = factories.partnership(other, supervisor=second)
    _missed(made.partnership.id, made.supervisor.id)
    _missed(elsewhere.id, second.id)
    for supervisor_id, partnership_id, program_id in (
        (made.supervisor.id, made.partnership.id, made.program.id),
        (second.id, elsewhere.id, other.id),
    ):
        answer = _misses(app, supervisor_id, made.supervisor_user)
        assert answer.status_code == 200, answer.json
        assert [item["partnership_id"] for item in answer.json["items"]] == [partnership_id]
        row = (
            session()
            .scalars(
                select(AccessAudit)
                .where(AccessAudit.actor_id == made.supervisor_user)
                .order_by(AccessAudit.id.desc())
            )
            .first()
        )
        assert (row.object_type, row.outcome, row.actor_role, row.program_id) == (
            "missed_week",
            "allowed",
            "supervisor",
            program_id,
        )
    # A third program's supervisor stays out of reach, and the attempt is audited.
    foreign = factories.supervisor(factories.program())
    assert _misses(app, foreign.id, made.supervisor_user).status_code == 404
    denied = session().scalars(
        select(AccessAudit).where(
            AccessAudit.actor_id == made.supervisor_user, AccessAudit.outcome == "denied"
        )
    )
    assert [(row.object_type, row.object_id) for row in denied] == [("supervisor", str(foreign.id))]
