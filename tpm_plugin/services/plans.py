"""Plans: each planning cycle adds a new version of a partnership's plan, whose activities
aim at one of the five domains and answer what identification found.

Anyone who can reach a partnership may add a plan version and read its plans; a closed
partnership gets no new plan. Versions are never edited: the next cycle adds the next one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..access import Actor
from ..errors import Conflict, ValidationFailed
from ..models import IdentificationEntry, Plan, PlannedActivity, activity_answers
from ._care import in_reach, partnership_taking_records
from ._reading import Page, detach, order_by, paginate
from ._unit import unit_of_work
from .access import (
    ALLOWED,
    partnership_for,
    record_access,
    record_reads,
    require_actor,
)

OBJECT_TYPE = "plan"


def add_plan(actor: Actor | None, partnership_id: int, data: dict[str, Any]) -> Plan:
    """Add the next plan version (1, 2, …) with its activities.

    Args:
        data: ``summary`` and ``activities``, each with ``domain``, ``aim``,
            ``description``, ``per_week`` and ``answers`` (identification entry ids).

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
        ValidationFailed: the partnership is closed, or an activity answers an entry of
            another partnership or one that has been corrected (named at
            ``activities.<n>.answers``).
        Conflict: another plan version was added at the same moment.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_taking_records(actor, partnership_id, "create_plan", lock=True)
        _check_answers(unit.session, partnership.id, data["activities"])
        newest = unit.session.scalar(
            select(func.max(Plan.version)).where(Plan.partnership_id == partnership.id)
        )
        plan = Plan(
            partnership_id=partnership.id,
            version=(newest or 0) + 1,
            summary=data.get("summary"),
            author_id=actor.user_id,
        )
        unit.session.add(plan)
        try:
            with unit.session.begin_nested():
                unit.session.flush()
        except IntegrityError:
            raise Conflict(
                "Another plan version was added at the same moment; read the plans again."
            ) from None
        activities = []
        for item in data["activities"]:
            fields = {key: value for key, value in item.items() if key != "answers"}
            activity = PlannedActivity(plan_id=plan.id, **fields)
            unit.session.add(activity)
            activities.append(activity)
        unit.session.flush()
        links = [
            {"activity_id": activity.id, "identification_entry_id": entry_id}
            for activity, item in zip(activities, data["activities"], strict=True)
            for entry_id in item["answers"]
        ]
        if links:
            unit.session.execute(insert(activity_answers), links)
        for activity, item in zip(activities, data["activities"], strict=True):
            activity.answers = list(item["answers"])
        plan.activities = activities
        record_access(actor, OBJECT_TYPE, plan.id, "create", ALLOWED)
        detach(unit.session, [plan, *activities])
    return plan


def get_plan(actor: Actor | None, plan_id: int) -> Plan:
    """One plan version with its activities (the read is audited).

    Raises:
        NotFound: no such plan within the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        plan = in_reach(unit.session, actor, Plan, OBJECT_TYPE, plan_id, "read", reading=True)
        _load_activities(unit.session, [plan])
        record_access(actor, OBJECT_TYPE, plan.id, "read", ALLOWED)
        detach(unit.session, [plan])
    return plan


def list_plans(actor: Actor | None, partnership_id: int, query: dict[str, Any]) -> Page[Plan]:
    """One page of a partnership's plan versions with their activities; four statements
    whatever the page size (the partnership, plans with their total, activities with their
    answers, audit).

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "list_plans", reading=True)
        found = read_plans(unit.session, actor, partnership_id, query)
    return found


def read_plans(
    session: Session, actor: Actor, partnership_id: int, query: dict[str, Any]
) -> Page[Plan]:
    """What :func:`list_plans` answers, read in the caller's unit of work once it has
    reached the partnership (a page that shows the plans beside other records reads them in
    its own transaction): the unit's audit row names the plans, and they come back detached.
    """
    statement = order_by(
        select(Plan).where(Plan.partnership_id == partnership_id),
        query["sort"],
        {"version": Plan.version},
        Plan.id,
    )
    page, page_size = query["page"], query["page_size"]
    # The page and its total in one statement.
    plans, total = paginate(session, statement, page, page_size)
    _load_activities(session, plans)
    record_reads(actor, OBJECT_TYPE, [plan.id for plan in plans], "list")
    detach(session, plans)
    return Page(plans, page, page_size, total)


def _load_activities(session: Session, plans: list[Plan]) -> None:
    """Attach ``activities`` (each with ``answers``) to ``plans`` in one statement."""
    by_plan: dict[int, list[PlannedActivity]] = defaultdict(list)
    if plans:
        rows = session.execute(
            select(PlannedActivity, activity_answers.c.identification_entry_id)
            .outerjoin(activity_answers, activity_answers.c.activity_id == PlannedActivity.id)
            .where(PlannedActivity.plan_id.in_([plan.id for plan in plans]))
            .order_by(PlannedActivity.id, activity_answers.c.identification_entry_id)
        )
        seen: dict[int, PlannedActivity] = {}
        for activity, entry_id in rows:
            if activity.id not in seen:
                seen[activity.id] = activity
                activity.answers = []
                by_plan[activity.plan_id].append(activity)
            if entry_id is not None:
                activity.answers.append(entry_id)
        detach(session, list(seen.values()))
    for plan in plans:
        plan.activities = by_plan.get(plan.id, [])


def _check_answers(session: Session, partnership_id: int, activities: list[dict]) -> None:
    wanted = {entry_id for item in activities for entry_id in item["answers"]}
    if not wanted:
        return
    successor = aliased(IdentificationEntry)
    found = {
        entry_id: successor_id
        for entry_id, successor_id in session.execute(
            select(IdentificationEntry.id, successor.id)
            .outerjoin(successor, successor.supersedes_id == IdentificationEntry.id)
            .where(
                IdentificationEntry.id.in_(sorted(wanted)),
                IdentificationEntry.partnership_id == partnership_id,
            )
        )
    }
    problems: dict[str, list[str]] = {}
    for index, item in enumerate(activities):
        messages = []
        for entry_id in item["answers"]:
            if entry_id not in found:
                messages.append(f"No identification entry {entry_id} in this partnership.")
            elif found[entry_id] is not None:
                messages.append(
                    f"Entry {entry_id} was corrected by entry {found[entry_id]}; answer that one."
                )
        if messages:
            problems[f"activities.{index}.answers"] = messages
    if problems:
        raise ValidationFailed(
            "An activity must answer current identification entries of this partnership.",
            fields=problems,
        )
