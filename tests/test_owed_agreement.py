"""Fidelity, ``?overdue=true`` and any other caller get owed time from the one rule, so
they agree: random stage histories across daylight-saving changes, read back through the
services."""

from __future__ import annotations

import datetime as dt
import itertools

from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tpm_plugin.models import (
    Client,
    Meeting,
    Partnership,
    Program,
    ProgramManager,
    TransitionAudit,
)
from tpm_plugin.services import fidelity
from tpm_plugin.services._unit import session, unit_of_work
from tpm_plugin.services.overdue import overdue_clause
from tpm_plugin.services.owed import owed_by_week

from . import factories

WORKING = ("referred", "identification", "planning", "active", "review", "closing", "on_hold")
ZONES = ("America/Chicago", "Europe/Berlin")
# Weeks holding a daylight-saving change in one of the zones.
MONDAYS = (dt.date(2024, 3, 4), dt.date(2024, 3, 25), dt.date(2024, 10, 21), dt.date(2024, 10, 28))
MINUTE = dt.timedelta(minutes=1)
_keys = itertools.count(1)

life = st.fixed_dictionaries(
    {
        "started": st.integers(-300 * 60, 160 * 60),
        "stages": st.lists(
            st.tuples(st.integers(0, 300 * 60), st.sampled_from(WORKING)), max_size=5
        ),
        "ends": st.one_of(st.none(), st.integers(0, 300 * 60)),
        "first": st.sampled_from(WORKING),
        "held": st.lists(st.integers(0, 166 * 60), max_size=4),
    }
)


def _build(zone: str, monday: dt.date, lives: list[dict]) -> tuple[Program, str, list[int]]:
    """A program in ``zone`` with one partnership per life, its stage changes recorded in
    the transition audit, and held meetings in the week of ``monday``."""
    week = fidelity.week_window(zone, start=monday, end=monday)[0]
    manager = f"m{next(_keys)}"
    with unit_of_work() as unit:
        program = Program(key=f"owed-{next(_keys)}", name="P", timezone=zone)
        unit.session.add(program)
        unit.session.flush()
        unit.session.add(ProgramManager(program_id=program.id, host_user_id=manager))
        ids = []
        for spec in lives:
            client = Client(program_id=program.id)
            unit.session.add(client)
            unit.session.flush()
            started = week.starts_at + spec["started"] * MINUTE
            stage, moments = spec["first"], []
            for offset, to_stage in sorted(spec["stages"]):
                moments.append((started + offset * MINUTE, stage, to_stage))
                stage = to_stage
            ended = None
            if spec["ends"] is not None:
                ended = (
                    started
                    + (max([o for o, _ in spec["stages"]], default=0) + spec["ends"]) * (MINUTE)
                    + MINUTE
                )
                moments.append((ended, stage, "withdrawn"))
                stage = "withdrawn"
            partnership = Partnership(
                program_id=program.id,
                client_id=client.id,
                stage=stage,
                workflow_key="therapeutic_partnership",
                workflow_version=1,
                started_at=started,
                stage_entered_at=moments[-1][0] if moments else started,
                ended_at=ended,
            )
            unit.session.add(partnership)
            unit.session.flush()
            for at, from_stage, to_stage in moments:
                unit.session.add(
                    TransitionAudit(
                        partnership_id=partnership.id,
                        from_stage=from_stage,
                        to_stage=to_stage,
                        trigger="move",
                        workflow_key="therapeutic_partnership",
                        workflow_version=1,
                        occurred_at=at,
                    )
                )
            for offset in spec["held"]:
                unit.session.add(
                    Meeting(
                        partnership_id=partnership.id,
                        scheduled_at=week.starts_at + offset * MINUTE,
                        status="held",
                    )
                )
            ids.append(partnership.id)
        unit.session.flush()
        program_id = program.id
    return session().get(Program, program_id), manager, ids


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    monday=st.sampled_from(MONDAYS),
    lives=st.lists(life, min_size=1, max_size=3),
)
def test_fidelity_overdue_and_the_rule_agree_and_add_up(app: Flask, zone, monday, lives) -> None:
    program, manager, ids = _build(zone, monday, lives)
    actor = factories.actor(manager)
    window = {"start": monday, "end": monday}

    whole = fidelity.program_fidelity(actor, program.id, **window).weeks[0]
    parts = [fidelity.partnership_fidelity(actor, pid, **window).weeks[0] for pid in ids]
    week = fidelity.week_window(zone, **window)[0]
    owed = owed_by_week(Partnership.program_id == program.id, [week])

    # Additive over partnerships, exactly; never negative, never above the cadence.
    assert whole.owed == sum((part.owed for part in parts[1:]), parts[0].owed)
    assert whole.partnerships_below_target == sum(part.meetings_below_target for part in parts)
    for pid, part in zip(ids, parts, strict=True):
        assert part.owed == owed.get(pid, [part.owed])[0]
        assert 0 <= part.owed.meetings <= 3
        assert 0 <= part.owed.supervision_minutes <= 20

    # ?overdue=true, asked the Wednesday after, judges the same program-local week.
    now = week.ends_at + dt.timedelta(days=2)
    with unit_of_work():
        overdue = set(
            session().scalars(
                select(Partnership.id).where(
                    overdue_clause(Partnership.program_id == program.id, now)
                )
            )
        )
    open_ids = {pid for pid in ids if session().get(Partnership, pid).ended_at is None}
    behind = {pid for pid, part in zip(ids, parts, strict=True) if part.meetings_below_target}
    assert overdue == behind & open_ids
