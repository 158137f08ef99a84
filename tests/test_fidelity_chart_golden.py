"""The fidelity chart draws the same bytes for the same figures: a few fixed ``Fidelity``
values pinned to the SHA-256 of their SVG (English, outside a request).

The hashes were taken before the drawing was split into modules, so a refactoring that
changes a single byte fails here; a deliberate change to the picture updates them (and
``tests/test_fidelity_chart.py`` says whether the new picture is still right).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random

import pytest

from tpm_plugin.blueprints.fidelity_chart import fidelity_svg
from tpm_plugin.services.fidelity import Fidelity, WeekFigures
from tpm_plugin.services.owed import Owed

#: (number of weeks, seed of their figures, largest count) -> SHA-256 of the SVG.
GOLDEN = {
    (0, 1, 3): "1c347d5b41f9020a98ea273be62f156fc97b849c6a99e8fd6f53615ab5ead875",
    (1, 2, 3): "ccdd22a650eca06314768b5c89716c3284487a3f174d1d2d47d0d76c75a43a6b",
    (3, 3, 3): "cdc68ff667c653bb5e3a1b4a093d6bfdb0418dc58865c5c95950dba9eda37e7c",
    (8, 4, 6): "07c85f4a828f7545226df3b6623b835b483ba21127f087938cbd3b4eb1093719",
    (13, 5, 40): "7301d83701f87ffe6d38111b3303b2c7c135ff24d70dec137f12c78f25182b73",
    # Figures too wide for their slots: no values drawn, the week axis thinned out.
    (26, 6, 5000): "17c909eef0255e9e6af36341ade6ba179fffb767c34ca282f6ea3e08d04dccd0",
    (53, 7, 12): "d1773263dc646965315339681ebee5369cbd566e347832d565b5a461ab108cbb",
}


def _fidelity(weeks: int, seed: int, most: int) -> Fidelity:
    draw = random.Random(seed)
    figures = [
        WeekFigures(
            monday=dt.date(2024, 12, 2) + dt.timedelta(weeks=index),
            owed=Owed(
                owing_time=draw.randint(0, 7),
                meeting_time=draw.randint(0, most) * draw.randint(0, 7),
                minute_time=draw.randint(0, 7_000 * most),
                length=7,
            ),
            meetings_held=draw.randint(0, most),
            cancelled_by_client=draw.randint(0, most // 3),
            cancelled_by_partner=draw.randint(0, most // 3),
            cancelled_by_center=draw.randint(0, most // 3),
            no_shows=draw.randint(0, most // 3),
            partnerships_below_target=draw.randint(0, 3),
            supervision_minutes_delivered=round(draw.uniform(0, 100 * most), 1),
        )
        for index in range(weeks)
    ]
    return Fidelity("program", seed, "America/Chicago", figures)


@pytest.mark.parametrize(("weeks", "seed", "most"), sorted(GOLDEN))
def test_the_chart_of_fixed_figures_is_byte_for_byte_the_pinned_one(
    weeks: int, seed: int, most: int
) -> None:
    svg = fidelity_svg(_fidelity(weeks, seed, most))
    assert hashlib.sha256(svg.encode()).hexdigest() == GOLDEN[(weeks, seed, most)]
