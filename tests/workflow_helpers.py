"""Care-record rows the default workflow's guards look at, written straight to the tables,
and a helper that walks a partnership through its stages.

The guards only read these rows, so the tests build exactly the rows a guard rule is about.
"""

from __future__ import annotations

import datetime as dt

from tpm_plugin.models import IdentificationEntry, Plan, PlannedActivity, Review, activity_answers
from tpm_plugin.services import transitions
from tpm_plugin.services._unit import session

from . import factories

AUTHOR = "1"


def entry(partnership_id: int, kind: str, *, supersedes: int | None = None) -> int:
    """An identification entry of ``kind``; returns its id."""
    row = IdentificationEntry(
        partnership_id=partnership_id,
        kind=kind,
        domain="school",
        statement="Recorded for a test.",
        author_id=AUTHOR,
        supersedes_id=supersedes,
    )
    session().add(row)
    session().commit()
    return row.id


def plan(partnership_id: int, version: int, answers: list[list[int]]) -> int:
    """Plan ``version`` with one activity per item of ``answers`` (the entry ids it answers)."""
    row = Plan(partnership_id=partnership_id, version=version, author_id=AUTHOR)
    session().add(row)
    session().flush()
    for answered in answers:
        activity = PlannedActivity(plan_id=row.id, domain="play", aim="Play together.")
        session().add(activity)
        session().flush()
        for entry_id in answered:
            session().execute(
                activity_answers.insert().values(
                    activity_id=activity.id, identification_entry_id=entry_id
                )
            )
    session().commit()
    return row.id


def review(partnership_id: int, outcome: str, *, days_ago: int = 0) -> int:
    """A review held ``days_ago`` days ago with ``outcome``."""
    row = Review(
        partnership_id=partnership_id,
        held_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago),
        discussion="Discussed for a test.",
        outcome=outcome,
        author_id=AUTHOR,
    )
    session().add(row)
    session().commit()
    return row.id


def ready_for_planning(partnership_id: int) -> list[int]:
    """Identification entries that satisfy the identification guard; returns their ids."""
    return [entry(partnership_id, "client_voice"), entry(partnership_id, "observation")]


def walk_to(world: factories.World, stage: str) -> None:
    """Move the world's partnership from ``referred`` along the main path to ``stage``."""
    manager = factories.actor(world.manager_user)
    pid = world.partnership.id
    steps = {
        "identification": ["begin_identification"],
        "planning": ["begin_identification", "begin_planning"],
        "active": ["begin_identification", "begin_planning", "activate"],
        "review": ["begin_identification", "begin_planning", "activate", "begin_review"],
    }[stage]
    for trigger in steps:
        if trigger == "begin_planning":
            entries = ready_for_planning(pid)
        if trigger == "activate":
            plan(pid, 1, [entries])
        transitions.fire(manager, pid, trigger)
