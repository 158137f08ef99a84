"""Moving running partnerships to a newer published version of their workflow.

Running partnerships keep the version they started on; moving them is an explicit, checked
migration with a stage mapping, all or nothing, each move audited in
``tpm_partnership_migrations``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ...access import Actor
from ...errors import NotFound, ValidationFailed
from ...models import Partnership, PartnershipMigration, utcnow
from ...workflows import engine
from ...workflows.definition import did_you_mean
from .._unit import session, unit_of_work
from ..access import record_denied
from ._access import AnyActor, actor_id, may_manage
from .catalog import changeable_workflow
from .published import compiled_workflow
from .stage_work import add_stage_work


@dataclass(frozen=True)
class MigrationResult:
    """One partnership moved to another version."""

    partnership_id: int
    from_version: int
    to_version: int
    from_stage: str
    to_stage: str


def migrate_partnerships(
    actor: AnyActor | None,
    key: str,
    to_version: int,
    partnership_ids: Sequence[int],
    stage_mapping: Mapping[str, str] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> list[MigrationResult]:
    """Move partnerships to a newer published version of their workflow.

    A stage that exists in the target version keeps its key unless ``stage_mapping`` says
    otherwise; a stage the target lacks must be mapped. Either every partnership moves or
    none does; each move leaves a ``tpm_partnership_migrations`` row.

    Args:
        actor: a program manager of every partnership's program, or :data:`COMMAND_LINE`.
        key: the workflow the partnerships follow.
        to_version: the published version to move them to.
        partnership_ids: the partnerships to move.
        stage_mapping: old stage key -> stage key in ``to_version``.
        on_progress: called with 1 as each partnership moves (a progress bar's ``update``).

    Raises:
        Forbidden: not a program manager.
        NotFound: the version does not exist, or a partnership is outside the actor's
            programs (audited as denied).
        ValidationFailed: a current stage has no mapping (named at ``stage_mapping.<stage>``),
            a mapping names an unknown stage, or a partnership is on another workflow or
            already on that version or a newer one. Nothing moves.
    """
    may_manage(actor, "migrate")
    mapping = dict(stage_mapping or {})
    ids = list(dict.fromkeys(partnership_ids))
    with unit_of_work():
        changeable_workflow(actor, key)
        target = compiled_workflow(key, to_version)
        query = select(Partnership).where(Partnership.id.in_(ids)).with_for_update()
        if isinstance(actor, Actor):
            query = query.where(Partnership.program_id.in_(sorted(actor.managed_program_ids)))
        rows = {row.id: row for row in session().scalars(query)}
        missing = [pid for pid in ids if pid not in rows]
        if missing:
            for pid in missing:
                record_denied(
                    actor if isinstance(actor, Actor) else None, "partnership", pid, "migrate"
                )
            raise NotFound(
                f"No partnerships {', '.join(map(str, missing))} in programs you manage."
            )
        problems = _mapping_problems(target, mapping)
        for index, pid in enumerate(ids):
            row = rows[pid]
            path = f"partnership_ids[{index}]"
            if row.workflow_key != key:
                problems.setdefault(path, []).append(
                    f"partnership {pid} follows workflow '{row.workflow_key}', not '{key}'"
                )
            elif row.workflow_version >= to_version:
                problems.setdefault(path, []).append(
                    f"partnership {pid} is already on version {row.workflow_version}; "
                    "migrate only to a newer version"
                )
            for stage in (row.stage, row.held_from_stage):
                if stage is not None and _mapped(target, mapping, stage) is None:
                    problems.setdefault(f"stage_mapping.{stage}", []).append(
                        f"partnership {pid} is in stage '{stage}', which version {to_version} "
                        f"does not have; map it to one of: {', '.join(target.stages)}"
                    )
        if problems:
            raise ValidationFailed(
                "The partnerships cannot move to that version; nothing was migrated.",
                fields={path: list(dict.fromkeys(texts)) for path, texts in problems.items()},
            )
        results = []
        for pid in ids:
            results.append(_migrate_one(actor, rows[pid], target, mapping))
            if on_progress is not None:
                on_progress(1)
        return results


def running_partnership_ids(key: str, version: int) -> list[int]:
    """The partnerships still running (not ended) on version ``version`` of workflow ``key``,
    by id: what ``flask tpm workflow migrate --from-version`` moves."""
    query = (
        select(Partnership.id)
        .where(
            Partnership.workflow_key == key,
            Partnership.workflow_version == version,
            Partnership.ended_at.is_(None),
        )
        .order_by(Partnership.id)
    )
    return list(session().scalars(query))


def _mapping_problems(
    target: engine.CompiledWorkflow, mapping: Mapping[str, str]
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for old, new in mapping.items():
        if new not in target.stages:
            problems.setdefault(f"stage_mapping.{old}", []).append(
                f"unknown stage '{new}' in version {target.version}{did_you_mean(new, target.stages)}"
            )
    return problems


def _mapped(target: engine.CompiledWorkflow, mapping: Mapping[str, str], stage: str) -> str | None:
    new = mapping.get(stage, stage)
    return new if new in target.stages else None


def _migrate_one(
    actor: AnyActor | None,
    partnership: Partnership,
    target: engine.CompiledWorkflow,
    mapping: Mapping[str, str],
) -> MigrationResult:
    now = utcnow()
    from_version, from_stage = partnership.workflow_version, partnership.stage
    to_stage = _mapped(target, mapping, from_stage)
    assert to_stage is not None  # checked by the caller before anything moved
    partnership.workflow_version = target.version
    if partnership.held_from_stage is not None:
        partnership.held_from_stage = _mapped(target, mapping, partnership.held_from_stage)
    if to_stage != from_stage:
        partnership.stage = to_stage
        partnership.stage_entered_at = now
    session().add(
        PartnershipMigration(
            partnership_id=partnership.id,
            workflow_key=target.key,
            from_version=from_version,
            to_version=target.version,
            from_stage=from_stage,
            to_stage=to_stage,
            actor_id=actor_id(actor),
            occurred_at=now,
        )
    )
    if target.has_scheduled_work(to_stage):
        # The new version may set another cadence: the jobs re-plan this stage's work.
        add_stage_work(partnership, to_stage, target, now, partnership.version_id + 1)
    return MigrationResult(partnership.id, from_version, target.version, from_stage, to_stage)
