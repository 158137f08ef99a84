"""Supervision placement against a plain first-fit greedy pass over the same week.

1,500 partnerships of 500 partners across 40 supervisors: each partner works with three
clients under one supervisor (60 minutes a week owed at 20 minutes a client, the model's
figure), so each supervisor owes about 750 minutes. Supervisors keep realistic windows
(a three-hour morning and a two- to three-hour afternoon on four or five weekdays, in
the program's wall-clock week) that hold their work, so the capacity bound is reachable; partners block
one or two weekly times (school runs, shifts), and half had a block last week.

Each round times, on the same input:

* **greedy**: :func:`tpm_plugin.services.supervision_placement.first_fit`, each block in
  the first gap that holds it whole (no routine, no blocked times, no splits);
* **plugin**: :func:`tpm_plugin.services.supervision_placement.place_week`, with last week's
  slots, the partners' blocked times, splits and the fill-in-order fallback.

Ends with two lines:

    placement: ratio <placed minutes / capacity bound> (target 1.00)
    placement_time: ratio <greedy time / plugin time> (target 0.33)

    .venv/bin/python benchmarks/placement.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# As a script, Python puts benchmarks/ first on sys.path, where benchmarks/transitions.py
# would shadow the transitions library the plugin imports: the repository root goes there.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import random  # noqa: E402
import time  # noqa: E402

from tpm_plugin.services.supervision_placement import (  # noqa: E402
    Demand,
    capacity_bound,
    first_fit,
    place_week,
)

SUPERVISORS = 40
PARTNERS = 500
CLIENTS_PER_PARTNER = 3
MINUTES_PER_CLIENT = 20
ROUNDS = 25
DAY = 24 * 60


def make_week(seed: int = 9) -> tuple[dict[int, list[tuple[int, int]]], list[Demand]]:
    """The benchmark's week: availability per supervisor and one demand per partner."""
    rng = random.Random(seed)
    availability = {}
    for supervisor_id in range(1, SUPERVISORS + 1):
        windows = []
        for day in sorted(rng.sample(range(5), rng.randint(4, 5))):
            morning = day * DAY + 9 * 60
            windows.append((morning, morning + 180))
            afternoon = day * DAY + 13 * 60 + rng.choice([0, 30, 60])
            windows.append((afternoon, afternoon + rng.choice([120, 150, 180])))
        availability[supervisor_id] = windows
    demands = []
    for partner_id in range(1, PARTNERS + 1):
        supervisor_id = (partner_id - 1) % SUPERVISORS + 1
        blocked = tuple(
            (start, start + rng.choice([60, 90, 120]))
            for start in (
                rng.randrange(5) * DAY + rng.choice([8 * 60, 12 * 60, 15 * 60])
                for _ in range(rng.randint(1, 2))
            )
        )
        last = None
        if rng.random() < 0.5:
            day_start, day_end = rng.choice(availability[supervisor_id])
            last = day_start + rng.randrange(0, day_end - day_start - 60, 30)
        demands.append(
            Demand(
                partner_id,
                supervisor_id,
                CLIENTS_PER_PARTNER * MINUTES_PER_CLIENT,
                blocked=blocked,
                last_start=last,
            )
        )
    return availability, demands


def _best_time(run, rounds: int = ROUNDS) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    availability, demands = make_week()
    partnerships = PARTNERS * CLIENTS_PER_PARTNER
    placement = place_week(availability, demands)
    bound = capacity_bound(availability, demands)
    splits = sum(block.split for block in placement.blocks)
    greedy = _best_time(lambda: first_fit(availability, demands))
    plugin = _best_time(lambda: place_week(availability, demands))
    print(
        f"{partnerships} partnerships, {PARTNERS} partners, {SUPERVISORS} supervisors: "
        f"{placement.placed_minutes} of {bound} minutes placed, {len(placement.blocks)} blocks "
        f"({splits} split), {len(placement.unplaced)} unplaced"
    )
    print(f"greedy first-fit {greedy * 1000:.2f} ms, plugin {plugin * 1000:.2f} ms")
    print(f"placement: ratio {placement.placed_minutes / bound:.2f} (target 1.00)")
    print(f"placement_time: ratio {greedy / plugin:.2f} (target 0.33)")


if __name__ == "__main__":
    main()
