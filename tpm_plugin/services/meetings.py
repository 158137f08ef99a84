"""Meetings between client and partner: scheduled, then logged as held (minutes, activities
done, an experience note), cancelled (by the client, the partner or the center) or a no-show.

Anyone who can reach a partnership may schedule and log its meetings; nothing is logged for
a closed partnership. A scheduled meeting is logged once; a logged meeting is corrected by
a new meeting that supersedes it, never edited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import Actor
from ..errors import Conflict, ValidationFailed
from ..models import Meeting, Partnership, Plan, PlannedActivity, utcnow
from ._care import (
    add_record,
    annotate,
    audited_page,
    check_supersedes,
    in_reach,
    partnership_taking_records,
    with_successor,
)
from ._reading import Page, detach, order_by
from ._unit import unit_of_work
from .access import ALLOWED, partnership_for, record_access, require_actor
from .meeting_rules import check_meeting, check_outcome_time
from .partnerships import ensure_open

OBJECT_TYPE = "meeting"
SORTS = ("id", "scheduled_at")
_LOGGED_FIELDS = ("status", "minutes", "cancelled_by", "activities_done", "experience_note")


def add_meeting(actor: Actor | None, partnership_id: int, data: dict[str, Any]) -> Meeting:
    """Schedule a meeting, log one that happened, or (``supersedes_id``) correct one.

    Args:
        data: ``scheduled_at``, ``status`` and, for a logged meeting, the fields that fit
            its status (checked by :func:`tpm_plugin.schemas.records.check_meeting_fields`).

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
        ValidationFailed: the partnership is closed and this is no correction
            (``partnership_id``), an activity done is not one of its planned activities
            (``activities_done``), ``supersedes_id`` is not a current meeting of this
            partnership, or the meeting cannot have happened as logged (see
            :mod:`.meeting_rules`).
        Conflict: a concurrent correction of the same meeting won.
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership = partnership_taking_records(
            actor, partnership_id, "create_meeting", correcting=bool(data.get("supersedes_id"))
        )
        check_supersedes(unit.session, Meeting, partnership.id, data.get("supersedes_id"))
        check_meeting(unit.session, partnership, data, replacing=data.get("supersedes_id"))
        _check_activities(unit.session, partnership, data.get("activities_done") or [])
        meeting = Meeting(partnership_id=partnership.id, **data)
        if meeting.status != "scheduled":
            meeting.logged_by, meeting.logged_at = actor.user_id, utcnow()
        add_record(unit.session, meeting)
        record_access(actor, OBJECT_TYPE, meeting.id, "create", ALLOWED)
        meeting.superseded_by_id = None
        detach(unit.session, [meeting])
    return meeting


def log_outcome(actor: Actor | None, meeting_id: int, data: dict[str, Any]) -> Meeting:
    """Log how a scheduled meeting went: held, cancelled or no-show.

    Raises:
        NotFound: the meeting is outside the actor's scope (audited).
        ValidationFailed: the partnership is closed, an activity done is not one of its
            planned activities, or the meeting has not started yet or cannot have happened
            as logged (see :mod:`.meeting_rules`).
        Conflict: the meeting is already logged or corrected (correct it with a new meeting
            that supersedes it instead).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        meeting = in_reach(unit.session, actor, Meeting, OBJECT_TYPE, meeting_id, "log_outcome")
        meeting = unit.session.scalars(
            select(Meeting)
            .where(Meeting.id == meeting.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        partnership = unit.session.get(Partnership, meeting.partnership_id)
        ensure_open(partnership, "partnership_id")
        successor = unit.session.scalar(
            select(Meeting.id).where(Meeting.supersedes_id == meeting.id)
        )
        if meeting.status != "scheduled" or successor is not None:
            raise Conflict(
                f"Meeting {meeting.id} is already logged ({meeting.status}); to change it, post "
                "a new meeting with supersedes_id set to the current entry.",
                extra={"status_now": meeting.status, "superseded_by_id": successor},
            )
        check_outcome_time(meeting, data["status"])
        logged = {"scheduled_at": meeting.scheduled_at, **data}
        check_meeting(unit.session, partnership, logged, replacing=meeting.id)
        _check_activities(unit.session, partnership, data.get("activities_done") or [])
        for name in _LOGGED_FIELDS:
            if name in data:
                setattr(meeting, name, data[name])
        meeting.logged_by, meeting.logged_at = actor.user_id, utcnow()
        unit.session.flush()
        record_access(actor, OBJECT_TYPE, meeting.id, "log_outcome", ALLOWED)
        meeting.superseded_by_id = None
        detach(unit.session, [meeting])
    return meeting


def get_meeting(actor: Actor | None, meeting_id: int) -> Meeting:
    """One meeting, with ``superseded_by_id`` (the read is audited).

    Raises:
        NotFound: no such meeting within the actor's reach (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        in_reach(unit.session, actor, Meeting, OBJECT_TYPE, meeting_id, "read", reading=True)
        statement, _ = with_successor(Meeting)
        [meeting] = annotate(list(unit.session.execute(statement.where(Meeting.id == meeting_id))))
        record_access(actor, OBJECT_TYPE, meeting.id, "read", ALLOWED)
        detach(unit.session, [meeting])
    return meeting


def list_meetings(actor: Actor | None, partnership_id: int, query: dict[str, Any]) -> Page[Meeting]:
    """One page of a partnership's current meetings (``include_superseded``: corrected ones
    too), optionally by ``status`` and ``scheduled_from`` / ``scheduled_before``. Each
    returned meeting's read is audited.

    Raises:
        NotFound: the partnership is outside the actor's scope (audited).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "list_meetings", reading=True)
        statement, successor = with_successor(Meeting)
        statement = statement.where(Meeting.partnership_id == partnership_id)
        if not query["include_superseded"]:
            statement = statement.where(successor.id.is_(None))
        if query.get("status") is not None:
            statement = statement.where(Meeting.status == query["status"])
        if query.get("scheduled_from") is not None:
            statement = statement.where(Meeting.scheduled_at >= query["scheduled_from"])
        if query.get("scheduled_before") is not None:
            statement = statement.where(Meeting.scheduled_at < query["scheduled_before"])
        columns = {key: getattr(Meeting, key) for key in SORTS}
        statement = order_by(statement, query["sort"], columns, Meeting.id)
        return audited_page(unit.session, actor, statement, query, OBJECT_TYPE, successors=True)


def _check_activities(session: Session, partnership: Partnership, activity_ids: list[int]) -> None:
    if not activity_ids:
        return
    planned = set(
        session.scalars(
            select(PlannedActivity.id)
            .join(Plan, Plan.id == PlannedActivity.plan_id)
            .where(Plan.partnership_id == partnership.id, PlannedActivity.id.in_(activity_ids))
        )
    )
    unknown = [str(activity_id) for activity_id in activity_ids if activity_id not in planned]
    if unknown:
        raise ValidationFailed(
            "A meeting's activities must be planned activities of its partnership.",
            fields={
                "activities_done": [
                    f"No planned activities {', '.join(unknown)} in this partnership."
                ]
            },
        )
