"""The guards the shipped Therapeutic Partnership workflow names, registered on every TPM.

Each asks one SQL question with ``EXISTS`` (or none at all), so its cost does not grow
with a partnership's history. Care notes that were corrected (a newer row names them in
``supersedes_id``) do not count.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from ..models import IdentificationEntry, Plan, PlannedActivity, Review, activity_answers
from .guards import GuardContext, GuardRegistry


def _current(model, partnership_id: int):
    """Rows of ``model`` for the partnership that no newer row corrects."""
    newer = aliased(model)
    return and_(
        model.partnership_id == partnership_id,
        ~exists().where(newer.supersedes_id == model.id),
    )


def identification_complete(context: GuardContext) -> bool:
    """Identification needs at least one client_voice entry and one observation or others_report entry."""
    entry = IdentificationEntry
    current = _current(entry, context.partnership.id)
    voice = exists().where(current, entry.kind == "client_voice")
    seen = aliased(IdentificationEntry)
    seen_current = _current(seen, context.partnership.id)
    others = exists().where(seen_current, seen.kind.in_(("observation", "others_report")))
    return bool(context.session.scalar(select(and_(voice, others))))


def plan_complete(context: GuardContext) -> bool:
    """The current plan needs at least one activity, and every activity needs a domain and must answer an identification entry."""
    partnership_id = context.partnership.id
    current_plan = (
        select(Plan.id)
        .where(Plan.partnership_id == partnership_id)
        .order_by(Plan.version.desc())
        .limit(1)
        .scalar_subquery()
    )
    answered = exists().where(
        activity_answers.c.activity_id == PlannedActivity.id,
        activity_answers.c.identification_entry_id == IdentificationEntry.id,
        IdentificationEntry.partnership_id == partnership_id,
    )
    has_activity = exists().where(PlannedActivity.plan_id == current_plan)
    incomplete = exists().where(
        PlannedActivity.plan_id == current_plan,
        or_(PlannedActivity.domain.is_(None), ~answered),
    )
    return bool(context.session.scalar(select(and_(has_activity, ~incomplete))))


def partner_and_supervisor_assigned(context: GuardContext) -> bool:
    """A partner and a supervisor must be assigned to the partnership."""
    partnership = context.partnership
    return partnership.partner_id is not None and partnership.supervisor_id is not None


def review_outcome_close(context: GuardContext) -> bool:
    """The latest review must have decided to close the partnership."""
    outcome = context.session.scalar(
        select(Review.outcome)
        .where(_current(Review, context.partnership.id))
        .order_by(Review.held_at.desc(), Review.id.desc())
        .limit(1)
    )
    return outcome == "close"


def returns_to_held_stage(context: GuardContext) -> bool:
    """A partnership on hold resumes only in the stage it was put on hold from."""
    return context.partnership.held_from_stage == context.dest


DEFAULT_GUARDS = {
    "identification_complete": identification_complete,
    "plan_complete": plan_complete,
    "partner_and_supervisor_assigned": partner_and_supervisor_assigned,
    "review_outcome_close": review_outcome_close,
    "returns_to_held_stage": returns_to_held_stage,
}


def register_default_guards(registry: GuardRegistry) -> None:
    """Register the shipped guards; their sentences are the docstrings' first lines."""
    for name, function in DEFAULT_GUARDS.items():
        registry.register(name, function, (function.__doc__ or name).strip().splitlines()[0])
