"""Moving a partnership between stages, and asking what an actor may do next.

:func:`fire` locks the partnership row (``SELECT … FOR UPDATE``, and the row's
``version_id`` on the UPDATE for databases without row locks), checks role, reason and
guards, lets the version's machine pick the new stage, and in the same transaction changes
the row and writes an append-only ``tpm_transition_audit`` row, the access-audit row and,
when the new stage has scheduled work or owes differently, outbox rows
(:mod:`._stage_write`: one statement on PostgreSQL). ``partnership_transitioned`` is sent
after the commit. The cost is a constant handful of statements, whatever the partnership's
history: the machine is cached per version and guards ask ``EXISTS`` questions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import Integer, String, Text, cast, literal, null, select, union_all

from .. import signals
from ..access import PARTNER, PROGRAM_MANAGER, ROLES, SUPERVISOR, Actor
from ..errors import Conflict, ValidationFailed
from ..models import Partnership, PartnershipMigration, TransitionAudit, utcnow
from ..workflows import engine
from ..workflows.cadence import stage_rule
from ..workflows.guards import GuardContext
from ._reading import paginate
from ._stage_write import StageWrite, write_stage_change
from ._unit import ConcurrentChange, UnitOfWork, session, unit_of_work
from .access import (
    ALLOWED,
    forbid,
    partnership_for,
    record_access,
    require_actor,
    touch,
)
from .workflow_versions import compiled_workflow, stage_work_row

REASON_MAX = 2000


@dataclass(frozen=True)
class TransitionOutcome:
    """What a fired transition did (plain values, readable after the commit)."""

    partnership: Partnership
    partnership_id: int
    previous_stage: str
    stage: str
    trigger: str
    workflow_key: str
    workflow_version: int
    audit_id: int
    occurred_at: Any


@dataclass(frozen=True)
class Option:
    """A transition from the current stage, as offered to one actor."""

    trigger: str
    label: str
    dest: str
    reason_required: bool
    reasons: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Availability:
    """What an actor may do with a partnership now.

    Attributes:
        partnership_id: the partnership.
        stage: its current stage.
        workflow_key: its workflow.
        workflow_version: the version it is pinned to.
        available: transitions the actor may fire now.
        blocked: the others, each with the reasons (``{"guard": name, "message": …}`` or
            ``{"role": roles, "message": …}``).
    """

    partnership_id: int
    stage: str
    workflow_key: str
    workflow_version: int
    available: list[Option]
    blocked: list[Option]


def roles_on(actor: Actor, partnership: Partnership) -> frozenset[str]:
    """The roles ``actor`` holds on this partnership (not merely somewhere in the center)."""
    held = set()
    if partnership.program_id in actor.managed_program_ids:
        held.add(PROGRAM_MANAGER)
    if partnership.supervisor_id in actor.supervisor_ids:
        held.add(SUPERVISOR)
    if partnership.partner_id in actor.partner_ids:
        held.add(PARTNER)
    return frozenset(held)


def _allowing_role(allowed: tuple[str, ...], held: frozenset[str]) -> str | None:
    return next((role for role in ROLES if role in held and role in allowed), None)


def _role_reason(spec: engine.TransitionSpec) -> dict[str, str]:
    return {
        "role": ", ".join(spec.roles),
        "message": f"Only a {' or '.join(r.replace('_', ' ') for r in spec.roles)} "
        "of this partnership may do this.",
    }


def _options(
    actor: Actor, partnership: Partnership, workflow: engine.CompiledWorkflow
) -> tuple[list[Option], list[Option]]:
    held = roles_on(actor, partnership)
    available: list[Option] = []
    blocked: list[Option] = []
    for spec in workflow.outgoing.get(partnership.stage, ()):
        reasons = []
        if _allowing_role(spec.roles, held) is None:
            reasons.append(_role_reason(spec))
        context = GuardContext(
            partnership,
            session(),
            actor,
            spec.trigger,
            partnership.stage,
            spec.dest,
            workflow.hold_stages,
        )
        reasons.extend(
            {"guard": guard.name, "message": guard.failure_message}
            for guard in engine.blocking_guards(spec, context)
        )
        option = Option(spec.trigger, spec.label, spec.dest, spec.reason_required, reasons)
        (blocked if reasons else available).append(option)
    return available, blocked


def available(actor: Actor | None, partnership_id: int) -> Availability:
    """The transitions ``actor`` may take on a partnership now, and why the others are blocked.

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's reach (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work():
        partnership = partnership_for(actor, partnership_id, "read_transitions", reading=True)
        workflow = compiled_workflow(partnership.workflow_key, partnership.workflow_version)
        allowed, blocked = _options(actor, partnership, workflow)
        record_access(actor, "partnership", partnership_id, "read_transitions", ALLOWED)
        return Availability(
            partnership_id=partnership.id,
            stage=partnership.stage,
            workflow_key=partnership.workflow_key,
            workflow_version=partnership.workflow_version,
            available=allowed,
            blocked=blocked,
        )


def fire(
    actor: Actor | None, partnership_id: int, trigger: str, reason: str | None = None
) -> Partnership:
    """Fire ``trigger`` on a partnership; return the partnership in its new stage.

    See :func:`transition` for the checks and the errors raised.
    """
    return transition(actor, partnership_id, trigger, reason).partnership


def transition(
    actor: Actor | None,
    partnership_id: int,
    trigger: str,
    reason: str | None = None,
    *,
    expected_stage: str | None = None,
) -> TransitionOutcome:
    """Fire ``trigger`` on a partnership, with its row locked, and audit it.

    Args:
        actor: who fires it.
        partnership_id: the partnership.
        trigger: a trigger of the partnership's workflow version.
        reason: why; required by some transitions (at most 2000 characters).
        expected_stage: the stage the caller last saw, if it wants the transition only from
            there (checked on the locked row).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's reach (audited as denied).
        Conflict: the partnership has ended (``code="partnership_closed"``); the trigger does
            not leave the current stage (``code="unknown_trigger"``, with ``stage`` and the
            ``available`` triggers); a guard refuses (``code="guard_failed"``, with
            ``reasons``); another request changed the stage first (``code="stage_changed"``,
            with the current ``stage``).
        Forbidden: the actor's role on this partnership may not take this transition
            (audited as denied).
        ValidationFailed: a required reason is missing, or the reason is too long.
    """
    actor = require_actor(actor)
    reason = reason.strip() if isinstance(reason, str) else None
    if reason is not None and len(reason) > REASON_MAX:
        raise ValidationFailed(
            "The reason is too long.",
            fields={"reason": [f"Longer than maximum length {REASON_MAX}."]},
        )
    try:
        with unit_of_work() as unit:
            outcome = _transition_locked(
                unit, actor, partnership_id, trigger, reason or None, expected_stage
            )
    except ConcurrentChange:
        stage = session().scalar(select(Partnership.stage).where(Partnership.id == partnership_id))
        raise _stage_changed(partnership_id, stage) from None
    return outcome


def _stage_changed(partnership_id: int, stage: str | None) -> Conflict:
    return Conflict(
        f"Partnership {partnership_id} changed stage while this request ran; it is now in "
        f"'{stage}'. Reload it and choose again.",
        code="stage_changed",
        extra={"stage": stage},
    )


def _transition_locked(
    unit: UnitOfWork,
    actor: Actor,
    partnership_id: int,
    trigger: str,
    reason: str | None,
    expected_stage: str | None,
) -> TransitionOutcome:
    partnership = partnership_for(actor, partnership_id, "transition", lock=True)
    workflow = compiled_workflow(partnership.workflow_key, partnership.workflow_version)
    source = partnership.stage
    if expected_stage is not None and expected_stage != source:
        raise _stage_changed(partnership_id, source)
    if workflow.is_terminal(source) or partnership.ended_at is not None:
        raise Conflict(
            f"Partnership {partnership_id} has ended ('{source}'); it takes no transitions.",
            code="partnership_closed",
            extra={"stage": source},
        )
    spec = workflow.transition(source, trigger)
    if spec is None:
        allowed, _ = _options(actor, partnership, workflow)
        raise Conflict(
            f"Trigger '{trigger}' does not leave stage '{source}' of partnership {partnership_id}.",
            code="unknown_trigger",
            extra={"stage": source, "available": [option.trigger for option in allowed]},
        )
    role = _allowing_role(spec.roles, roles_on(actor, partnership))
    if role is None:
        forbid(actor, "partnership", partnership_id, "transition", _role_reason(spec)["message"])
    # The audit names the role that allows this transition, not the most senior one held.
    touch(actor, "partnership", partnership_id, "transition", role=role)
    if spec.reason_required and not reason:
        raise ValidationFailed(
            f"'{trigger}' needs a reason.",
            fields={"reason": [f"A reason is required to {spec.label.lower()}."]},
        )
    context = GuardContext(
        partnership, session(), actor, trigger, source, spec.dest, workflow.hold_stages
    )
    dest = engine.fire(workflow, partnership, trigger, context)
    if dest is None:
        reasons = [
            {"guard": guard.name, "message": guard.failure_message}
            for guard in engine.blocking_guards(spec, context)
        ]
        raise Conflict(
            f"Partnership {partnership_id} cannot '{trigger}' yet: "
            + " ".join(r["message"] for r in reasons),
            code="guard_failed",
            extra={"stage": source, "reasons": reasons},
        )
    now = utcnow()
    held = partnership.held_from_stage
    if dest in workflow.hold_stages:
        held = source
    elif source in workflow.hold_stages:
        held = None
    # It opened, closed or paused: what it owes changed, so its week is placed again.
    owes_differently = stage_rule(workflow.stages.get(source)) != stage_rule(
        workflow.stages.get(dest)
    )
    audit_id = write_stage_change(
        StageWrite(
            partnership=partnership,
            stage=dest,
            held_from_stage=held,
            entered_at=now,
            ended_at=now if workflow.is_terminal(dest) else None,
            audit={
                "trigger": trigger,
                "actor_id": actor.user_id,
                "actor_role": role,
                "reason": reason,
            },
            stage_work=(
                stage_work_row(partnership_id, dest, workflow, now, partnership.version_id + 1)
                if workflow.has_scheduled_work(dest)
                else None
            ),
            replace_week_of=partnership.program_id if owes_differently else None,
        )
    )
    outcome = TransitionOutcome(
        partnership=partnership,
        partnership_id=partnership_id,
        previous_stage=source,
        stage=dest,
        trigger=trigger,
        workflow_key=workflow.key,
        workflow_version=workflow.version,
        audit_id=audit_id,
        occurred_at=now,
    )
    app = current_app._get_current_object()
    unit.after_commit(
        lambda: signals.partnership_transitioned.send(
            app,
            partnership_id=partnership_id,
            from_stage=source,
            to_stage=dest,
            trigger=trigger,
            actor_id=actor.user_id,
            workflow_key=workflow.key,
            workflow_version=workflow.version,
        )
    )
    return outcome


def history(
    actor: Actor | None, partnership_id: int, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of a partnership's stage changes, oldest first, and the total: its
    transitions (``kind`` ``"transition"``) and its moves between workflow versions
    (``kind`` ``"migration"``, with ``from_workflow_version``; no trigger).

    Raises:
        Unauthenticated: nobody is logged in.
        NotFound: no such partnership within the actor's reach (audited as denied).
    """
    actor = require_actor(actor)
    with unit_of_work() as unit:
        partnership_for(actor, partnership_id, "read_history", reading=True)
        changes = _stage_changes(partnership_id)
        statement = select(changes).order_by(
            changes.c.occurred_at, changes.c.kind.desc(), changes.c.id
        )
        rows, total = paginate(unit.session, statement, page, page_size, plain_rows=True)
        record_access(actor, "partnership", partnership_id, "read_history", ALLOWED)
        return [dict(row) for row in rows], total


def _stage_changes(partnership_id: int):
    moved = PartnershipMigration
    audit = TransitionAudit
    return union_all(
        select(
            literal("transition", String).label("kind"),
            audit.id,
            audit.from_stage,
            audit.to_stage,
            audit.trigger,
            audit.actor_id,
            audit.actor_role,
            audit.reason,
            audit.workflow_key,
            audit.workflow_version,
            cast(null(), Integer).label("from_workflow_version"),
            audit.occurred_at,
        ).where(audit.partnership_id == partnership_id),
        select(
            literal("migration", String).label("kind"),
            moved.id,
            moved.from_stage,
            moved.to_stage,
            cast(null(), String).label("trigger"),
            moved.actor_id,
            cast(null(), String).label("actor_role"),
            cast(null(), Text).label("reason"),
            moved.workflow_key,
            moved.to_version.label("workflow_version"),
            moved.from_version.label("from_workflow_version"),
            moved.occurred_at,
        ).where(moved.partnership_id == partnership_id),
    ).subquery()
