"""The placement of a week's supervision blocks (pure): inside the supervisor's
availability, outside the partner's blocked times, never overlapping, at most two parts,
last week's slot kept, deterministic, and reaching the capacity bound where it is reachable."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tpm_plugin.services.supervision_placement import (
    Demand,
    capacity_bound,
    first_fit,
    place_week,
)

DAY = 24 * 60


def _at(day: int, hour: int, minute: int = 0) -> int:
    return day * DAY + hour * 60 + minute


def test_a_block_is_placed_in_the_first_gap_that_holds_it_whole():
    availability = {1: [(_at(0, 9), _at(0, 10)), (_at(1, 9), _at(1, 12))]}
    placement = place_week(availability, [Demand(10, 1, 120)])
    [block] = placement.blocks
    assert block.parts == ((_at(1, 9), _at(1, 11)),)
    assert not block.split
    assert placement.unplaced == []


def test_a_block_keeps_last_weeks_slot_when_it_still_fits():
    availability = {1: [(_at(0, 9), _at(0, 17))]}
    placement = place_week(availability, [Demand(10, 1, 60, last_start=_at(0, 14))])
    assert placement.blocks[0].parts == ((_at(0, 14), _at(0, 15)),)


def test_a_block_avoids_the_partners_blocked_times():
    availability = {1: [(_at(0, 9), _at(0, 17))]}
    blocked = ((_at(0, 8), _at(0, 13)),)
    placement = place_week(availability, [Demand(10, 1, 60, blocked=blocked)])
    assert placement.blocks[0].parts == ((_at(0, 13), _at(0, 14)),)


def test_a_block_no_single_gap_holds_is_split_in_two_and_says_so():
    availability = {1: [(_at(0, 9), _at(0, 10)), (_at(2, 9), _at(2, 10))]}
    placement = place_week(availability, [Demand(10, 1, 100)])
    [block] = placement.blocks
    assert block.split
    assert block.parts == ((_at(0, 9), _at(0, 10)), (_at(2, 9), _at(2, 9, 40)))


def test_work_beyond_the_supervisors_week_is_over_capacity_by_its_minutes():
    availability = {1: [(_at(0, 9), _at(0, 10))]}
    placement = place_week(availability, [Demand(10, 1, 40), Demand(11, 1, 40)])
    assert [b.partner_id for b in placement.blocks] == [10]
    [missing] = placement.unplaced
    assert (missing.partner_id, missing.reason) == (11, "over capacity by 20 minutes")


def test_a_partner_blocked_through_the_supervisors_windows_has_no_common_window():
    availability = {1: [(_at(0, 9), _at(0, 10))]}
    blocked = ((_at(0, 0), _at(0, 23)),)
    placement = place_week(availability, [Demand(10, 1, 40, blocked=blocked)])
    assert placement.blocks == []
    assert placement.unplaced[0].reason == "no common window"


def test_filling_in_order_places_what_whole_gaps_first_would_strand():
    # Three 40-minute windows and four 30-minute blocks: whole-gap first-fit strands the
    # fourth in three 10-minute scraps; filling in order places all 120 minutes.
    availability = {1: [(_at(d, 9), _at(d, 9, 40)) for d in range(3)]}
    demands = [Demand(p, 1, 30) for p in range(4)]
    assert len(first_fit(availability, demands).unplaced) == 1
    placement = place_week(availability, demands)
    assert placement.unplaced == []
    assert placement.placed_minutes == capacity_bound(availability, demands) == 120


windows = st.lists(
    st.tuples(st.integers(0, 6), st.integers(7, 18), st.sampled_from([60, 90, 120, 180])),
    min_size=1,
    max_size=6,
)


def _intervals(raw: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
    return [(_at(day, hour), _at(day, hour) + length) for day, hour, length in raw]


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    free: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if free and start <= free[-1][1]:
            free[-1] = (free[-1][0], max(end, free[-1][1]))
        else:
            free.append((start, end))
    return free


@st.composite
def reachable_weeks(draw: st.DrawFn) -> tuple[dict, list[Demand]]:
    """A supervisor's week whose work fits its free minutes, each block no longer than the
    shortest window: the shape for which filling in order reaches the bound."""
    availability = {1: _intervals(draw(windows))}
    free = _merged(availability[1])
    shortest = min(end - start for start, end in free)
    capacity = sum(end - start for start, end in free)
    sizes = draw(st.lists(st.integers(1, min(shortest, 160) // 20).map(lambda n: n * 20)))
    demands, total = [], 0
    for partner_id, size in enumerate(sizes):
        if total + size > capacity:
            break
        demands.append(Demand(partner_id, 1, size))
        total += size
    return availability, demands


@settings(max_examples=200, deadline=None)
@given(reachable_weeks())
def test_placement_reaches_the_capacity_bound_where_it_is_reachable(week):
    availability, demands = week
    placement = place_week(availability, demands)
    assert placement.unplaced == []
    assert placement.placed_minutes == capacity_bound(availability, demands)


@st.composite
def any_weeks(draw: st.DrawFn) -> tuple[dict, list[Demand]]:
    availability = {sid: _intervals(draw(windows)) for sid in (1, 2)}
    demands = [
        Demand(
            partner_id,
            draw(st.sampled_from([1, 2])),
            draw(st.integers(1, 8)) * 20,
            blocked=tuple(
                _intervals(
                    draw(
                        st.lists(
                            st.tuples(
                                st.integers(0, 6),
                                st.integers(0, 22),
                                st.sampled_from([30, 60, 240]),
                            ),
                            max_size=3,
                        )
                    )
                )
            ),
            last_start=draw(st.none() | st.integers(0, 6).map(lambda d: _at(d, 10))),
        )
        for partner_id in range(draw(st.integers(0, 12)))
    ]
    return availability, demands


@settings(max_examples=200, deadline=None)
@given(any_weeks())
def test_every_placement_keeps_the_rules_of_the_week(week):
    availability, demands = week
    placement = place_week(availability, demands)
    by_partner = {d.partner_id: d for d in demands}
    assert placement == place_week(availability, list(reversed(demands)))
    assert {b.partner_id for b in placement.blocks} | {
        u.partner_id for u in placement.unplaced
    } == set(by_partner)
    assert placement.placed_minutes <= capacity_bound(availability, demands)
    merged = {sid: _merged(intervals) for sid, intervals in availability.items()}
    taken: dict[int, list[tuple[int, int]]] = {1: [], 2: []}
    for block in placement.blocks:
        demand = by_partner[block.partner_id]
        assert block.minutes == demand.minutes
        assert 1 <= len(block.parts) <= 2
        for start, end in block.parts:
            assert any(s <= start and end <= e for s, e in merged[block.supervisor_id])
            assert all(end <= s or e <= start for s, e in demand.blocked)
            assert all(end <= s or e <= start for s, e in taken[block.supervisor_id])
            taken[block.supervisor_id].append((start, end))
    for missing in placement.unplaced:
        assert missing.reason == "no common window" or missing.reason.startswith(
            "over capacity by "
        )
