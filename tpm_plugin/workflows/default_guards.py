"""The guards the shipped Therapeutic Partnership workflow names, registered on every TPM.

Each asks one SQL question with ``EXISTS`` (or none at all), so its cost does not grow
with a partnership's history. Care notes that were corrected (a newer row names them in
``supersedes_id``) do not count.
"""

from __future__ import annotations

from sqlalchemy import and_, exists, func, literal, or_, select, true
from sqlalchemy.orm import aliased

from ..models import (
    IdentificationEntry,
    Plan,
    PlannedActivity,
    Review,
    TransitionAudit,
    UTCDateTime,
    activity_answers,
)
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


def _entered_current_stage(context: GuardContext):
    """When the partnership entered the stage it is leaving, as a SQL expression.

    The latest transition into that stage counts, except a return from a hold stage (the
    pause does not start the stage anew); without one (a migration put it there), the
    partnership's ``stage_entered_at``.
    """
    audit = TransitionAudit
    not_a_return = (
        audit.from_stage.not_in(sorted(context.hold_stages)) if context.hold_stages else true()
    )
    latest = (
        select(func.max(audit.occurred_at))
        .where(
            audit.partnership_id == context.partnership.id,
            audit.to_stage == context.source,
            not_a_return,
        )
        .scalar_subquery()
    )
    return func.coalesce(latest, literal(context.partnership.stage_entered_at, UTCDateTime()))


def _decision_in_this_stage(context: GuardContext) -> str | None:
    """The outcome of the latest current review written since the stage was entered."""
    return context.session.scalar(
        select(Review.outcome)
        .where(
            _current(Review, context.partnership.id),
            Review.created_at >= _entered_current_stage(context),
        )
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(1)
    )


def review_decided_continue(context: GuardContext) -> bool:
    """Write a review in this review stage that decides to continue: the latest review written here must say 'continue'."""
    return _decision_in_this_stage(context) == "continue"


def review_decided_replan(context: GuardContext) -> bool:
    """Write a review in this review stage that decides to replan: the latest review written here must say 'replan'."""
    return _decision_in_this_stage(context) == "replan"


def review_decided_close(context: GuardContext) -> bool:
    """Write a review in this review stage that decides to close: the latest review written here must say 'close'."""
    return _decision_in_this_stage(context) == "close"


def plan_made_since_replan(context: GuardContext) -> bool:
    """The latest review decided to replan: make a new plan version after it before leaving planning."""
    partnership_id = context.partnership.id
    latest_review = (
        select(Review.outcome, Review.created_at)
        .where(_current(Review, partnership_id))
        .order_by(Review.created_at.desc(), Review.id.desc())
        .limit(1)
        .subquery()
    )
    newest_plan = (
        select(func.max(Plan.created_at)).where(Plan.partnership_id == partnership_id)
    ).scalar_subquery()
    row = context.session.execute(
        select(latest_review.c.outcome, latest_review.c.created_at, newest_plan)
    ).first()
    if row is None or row[0] != "replan":
        return True
    return row[2] is not None and row[2] >= row[1]


def returns_to_held_stage(context: GuardContext) -> bool:
    """A partnership on hold resumes only in the stage it was put on hold from."""
    return context.partnership.held_from_stage == context.dest


DEFAULT_GUARDS = {
    "identification_complete": identification_complete,
    "plan_complete": plan_complete,
    "partner_and_supervisor_assigned": partner_and_supervisor_assigned,
    "review_outcome_close": review_outcome_close,
    "review_decided_continue": review_decided_continue,
    "review_decided_replan": review_decided_replan,
    "review_decided_close": review_decided_close,
    "plan_made_since_replan": plan_made_since_replan,
    "returns_to_held_stage": returns_to_held_stage,
}


def register_default_guards(registry: GuardRegistry) -> None:
    """Register the shipped guards; their sentences are the docstrings' first lines."""
    for name, function in DEFAULT_GUARDS.items():
        registry.register(name, function, (function.__doc__ or name).strip().splitlines()[0])
