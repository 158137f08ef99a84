"""The one rule of owed time, on plain values: what a partnership owes in a program-local
week follows the time it spent in stages that owe, at the target in force, raised by crisis
cadences, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from tpm_plugin.services.fidelity import week_window
from tpm_plugin.services.owed import (
    OWES_NOTHING,
    CrisisCadence,
    OwedHistory,
    Period,
    StageRule,
    TargetPeriod,
    owed_in_week,
    stage_rule,
)
from tpm_plugin.workflows.definition import default_definition

# Weeks that hold a daylight-saving change in Chicago or Berlin, and plain ones.
ZONES = ("America/Chicago", "Europe/Berlin")
MONDAYS = (
    dt.date(2024, 3, 4),
    dt.date(2024, 3, 25),
    dt.date(2024, 10, 21),
    dt.date(2024, 10, 28),
    dt.date(2024, 6, 3),
)
HOUR = dt.timedelta(hours=1)
DEFAULT = TargetPeriod(None, None, 3, 20)

RULES = st.one_of(
    st.just(OWES_NOTHING),
    st.just(StageRule(True)),
    st.builds(
        StageRule,
        st.just(True),
        st.one_of(st.none(), st.integers(0, 14)),
        st.one_of(st.none(), st.integers(0, 240)),
    ),
)


def _week(zone: str, monday: dt.date):
    return week_window(zone, start=monday, end=monday)[0]


@st.composite
def histories(draw, start: dt.datetime):
    """A random life around the week beginning at ``start``: a start, stage changes, maybe an
    end, program target periods and crisis cadences."""

    def moment(low: int = -240, high: int = 240) -> dt.datetime:
        return start + draw(st.integers(low * 60, high * 60)) * dt.timedelta(minutes=1)

    started = moment()
    changes = sorted(draw(st.lists(st.integers(0, 400 * 60), max_size=6)))
    stages = [(started, draw(RULES))] + [
        (started + minutes * dt.timedelta(minutes=1), draw(RULES)) for minutes in changes
    ]
    ended = draw(st.one_of(st.none(), st.integers(0, 400 * 60)))
    cut = moment()
    targets = draw(
        st.one_of(
            st.just(()),
            st.tuples(st.integers(1, 14), st.integers(0, 240)).map(
                lambda figures: (
                    TargetPeriod(None, cut, *figures),
                    TargetPeriod(cut, None, figures[0] % 14 + 1, 240 - figures[1]),
                )
            ),
        )
    )
    crises = []
    for _ in range(draw(st.integers(0, 2))):
        since = moment()
        crises.append(
            CrisisCadence(
                since,
                since + draw(st.integers(1, 300)) * HOUR,
                draw(st.one_of(st.none(), st.integers(1, 14))),
                draw(st.one_of(st.none(), st.integers(1, 240))),
            )
        )
    return OwedHistory(
        partnership_id=1,
        started_at=started,
        ended_at=None if ended is None else started + ended * dt.timedelta(minutes=1),
        stages=tuple(stages),
        default_targets=DEFAULT,
        targets=targets,
        crises=tuple(crises),
    )


def _highest_rates(history: OwedHistory) -> tuple[int, int]:
    meetings = [DEFAULT.meetings_per_week, *(t.meetings_per_week for t in history.targets)]
    minutes = [
        DEFAULT.supervision_minutes_per_client,
        *(t.supervision_minutes_per_client for t in history.targets),
    ]
    for _, rule in history.stages:
        meetings.append(rule.meetings_per_week or 0)
        minutes.append(rule.supervision_minutes_per_client or 0)
    for crisis in history.crises:
        meetings.append(crisis.meetings_per_week or 0)
        minutes.append(crisis.supervision_minutes_per_client or 0)
    return max(meetings), max(minutes)


@st.composite
def cases(draw):
    week = _week(draw(st.sampled_from(ZONES)), draw(st.sampled_from(MONDAYS)))
    return week, draw(histories(week.starts_at))


@settings(max_examples=300, deadline=None)
@given(case=cases())
def test_owed_is_never_negative_nor_above_the_highest_cadence_in_force(case) -> None:
    week, history = case
    owed = owed_in_week(history, week.starts_at, week.ends_at)
    meetings, minutes = _highest_rates(history)
    assert 0 <= owed.share <= 1
    assert 0 <= owed.meetings <= meetings * owed.share
    assert 0 <= owed.supervision_minutes <= minutes * owed.share


@settings(max_examples=200, deadline=None)
@given(case=cases(), cut=st.integers(0, 169 * 60))
def test_owed_adds_up_over_any_split_of_the_week(case, cut: int) -> None:
    week, history = case
    middle = min(week.starts_at + cut * dt.timedelta(minutes=1), week.ends_at)
    whole = owed_in_week(history, week.starts_at, week.ends_at)
    parts = owed_in_week(history, week.starts_at, week.ends_at, [Period(None, middle)])
    parts += owed_in_week(history, week.starts_at, week.ends_at, [Period(middle, None)])
    assert parts == whole


@settings(max_examples=100, deadline=None)
@given(zone=st.sampled_from(ZONES), monday=st.sampled_from(MONDAYS), rate=st.integers(0, 14))
def test_a_whole_week_in_one_owing_stage_owes_exactly_its_cadence(zone, monday, rate) -> None:
    week = _week(zone, monday)
    history = OwedHistory(
        1, week.starts_at - HOUR, None, ((week.starts_at - HOUR, StageRule(True, rate)),), DEFAULT
    )
    owed = owed_in_week(history, week.starts_at, week.ends_at)
    assert (owed.share, owed.meetings, owed.supervision_minutes) == (1, rate, 20)


def test_the_share_is_of_the_weeks_own_length_across_daylight_saving() -> None:
    # Chicago's clocks sprang forward on Sunday 2024-03-10: that week is 167 hours long.
    week = _week("America/Chicago", dt.date(2024, 3, 4))
    assert week.ends_at - week.starts_at == 167 * HOUR
    closed = week.starts_at + 60 * HOUR
    history = OwedHistory(
        1,
        week.starts_at - HOUR,
        closed,
        ((week.starts_at - HOUR, StageRule(True)),),
        DEFAULT,
    )
    owed = owed_in_week(history, week.starts_at, week.ends_at)
    assert owed.share == Fraction(60, 167)
    assert owed.meetings == Fraction(3 * 60, 167)


def test_a_crisis_cadence_raises_the_target_and_never_lowers_it() -> None:
    week = _week("Europe/Berlin", dt.date(2024, 6, 3))
    half = week.starts_at + 84 * HOUR
    history = OwedHistory(
        1,
        week.starts_at,
        None,
        ((week.starts_at, StageRule(True)),),
        DEFAULT,
        crises=(CrisisCadence(half, None, 5, 10),),
    )
    owed = owed_in_week(history, week.starts_at, week.ends_at)
    assert owed.meetings == Fraction(3 + 5, 2)
    assert owed.supervision_minutes == 20


def test_the_shipped_workflow_owes_in_working_stages_and_not_in_referred_hold_or_the_end() -> None:
    owes = {stage["key"]: stage_rule(stage).owes for stage in default_definition()["stages"]}
    assert owes == {
        "referred": False,
        "identification": True,
        "planning": True,
        "active": True,
        "review": True,
        "closing": True,
        "on_hold": False,
        "closed": False,
        "withdrawn": False,
    }


def test_a_stage_cadence_of_zero_owes_zero_and_names_no_program_target() -> None:
    rule = stage_rule({"key": "quiet", "kind": "normal", "cadence": {"meetings_per_week": 0}})
    assert rule == StageRule(True, 0, None)
    assert stage_rule({"key": "x", "kind": "normal", "cadence": {"owes": False}}) == OWES_NOTHING
    assert stage_rule({"key": "end", "kind": "terminal", "cadence": {"owes": True}}) == (
        OWES_NOTHING
    )
