"""Moving running partnerships to a newer published version of their workflow.

Running partnerships keep the version they started on; moving them is an explicit, checked
migration with a stage mapping, all or nothing, each move audited in
``tpm_partnership_migrations``. Ended partnerships are skipped (they stay on the version they
ended on); a partnership mapped into a hold stage needs a stage to resume to, and one mapped
into a terminal stage ends. A move that ends a partnership or changes what it owes asks, in
the same transaction, for its program's week of supervision to be placed again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from ...access import Actor
from ...errors import NotFound, ValidationFailed
from ...models import Partnership, PartnershipMigration, utcnow
from ...workflows import engine
from ...workflows.cadence import stage_rule
from ...workflows.definition import did_you_mean
from .._unit import session, unit_of_work
from ..access import record_denied
from ..supervision_placement.requests import request_replacement
from ._access import AnyActor, actor_id, may_manage
from .catalog import changeable_workflow
from .published import compiled_workflow
from .stage_work import add_stage_work


@dataclass(frozen=True)
class MigrationResult:
    """One partnership moved to another version (``ended``: mapped into a terminal stage)."""

    partnership_id: int
    from_version: int
    to_version: int
    from_stage: str
    to_stage: str
    ended: bool = False


@dataclass(frozen=True)
class SkippedPartnership:
    """A partnership a migration left where it was, and why."""

    partnership_id: int
    stage: str
    reason: str


@dataclass(frozen=True)
class MigrationReport:
    """What a migration did: the partnerships it moved and those it skipped."""

    migrated: list[MigrationResult]
    skipped: list[SkippedPartnership]


def migrate_partnerships(
    actor: AnyActor | None,
    key: str,
    to_version: int,
    partnership_ids: Sequence[int],
    stage_mapping: Mapping[str, str] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> MigrationReport:
    """Move partnerships to a newer published version of their workflow.

    A stage that exists in the target version keeps its key unless ``stage_mapping`` says
    otherwise; a stage the target lacks must be mapped. Either every running partnership
    moves or none does; each move leaves a ``tpm_partnership_migrations`` row. Ended
    partnerships are skipped and reported with the reason. A partnership mapped into a
    terminal stage ends there.

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
            a mapping names a stage neither version has, a partnership would land in a hold
            stage with no stage to resume to, or a partnership is on another workflow or
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
        skipped: list[SkippedPartnership] = []
        moving: list[int] = []
        sources: dict[int, engine.CompiledWorkflow] = {}
        for index, pid in enumerate(ids):
            row = rows[pid]
            path = f"partnership_ids[{index}]"
            if row.workflow_key != key:
                problems.setdefault(path, []).append(
                    f"partnership {pid} follows workflow '{row.workflow_key}', not '{key}'"
                )
                continue
            if row.workflow_version not in sources:
                sources[row.workflow_version] = compiled_workflow(key, row.workflow_version)
            if row.ended_at is not None or sources[row.workflow_version].is_terminal(row.stage):
                skipped.append(_skip(row))
                continue
            if row.workflow_version >= to_version:
                problems.setdefault(path, []).append(
                    f"partnership {pid} is already on version {row.workflow_version}; "
                    "migrate only to a newer version"
                )
            _stage_problems(problems, row, target, mapping)
            moving.append(pid)
        _unknown_old_stages(problems, mapping, sources.values(), target)
        if problems:
            raise ValidationFailed(
                "The partnerships cannot move to that version; nothing was migrated.",
                fields={path: list(dict.fromkeys(texts)) for path, texts in problems.items()},
            )
        results = []
        replace: set[int] = set()
        for pid in moving:
            row = rows[pid]
            left = stage_rule(sources[row.workflow_version].stages.get(row.stage))
            results.append(_migrate_one(actor, row, target, mapping))
            if row.ended_at is not None or left != stage_rule(target.stages.get(row.stage)):
                # It ended, or now owes otherwise: the placement reads both.
                replace.add(row.program_id)
            if on_progress is not None:
                on_progress(1)
        for program_id in sorted(replace):
            request_replacement(program_id)
        for _ in skipped:
            if on_progress is not None:
                on_progress(1)
        return MigrationReport(results, skipped)


def _skip(row: Partnership) -> SkippedPartnership:
    return SkippedPartnership(
        row.id,
        row.stage,
        f"partnership {row.id} has ended ('{row.stage}'); an ended partnership stays on "
        f"version {row.workflow_version}, the version it ended on",
    )


def _stage_problems(
    problems: dict[str, list[str]],
    row: Partnership,
    target: engine.CompiledWorkflow,
    mapping: Mapping[str, str],
) -> None:
    """What stops one running partnership from landing in the target version."""
    for stage in (row.stage, row.held_from_stage):
        if stage is None or stage in mapping:
            continue  # a mapping to an unknown stage is reported once, by _mapping_problems
        if stage not in target.stages:
            problems.setdefault(f"stage_mapping.{stage}", []).append(
                f"partnership {row.id} is in stage '{stage}' of version "
                f"{row.workflow_version}, which version {target.version} does not have; "
                f"map it to one of: {', '.join(target.stages)}"
            )
    to_stage = _mapped(target, mapping, row.stage)
    if to_stage is None or to_stage not in target.hold_stages:
        return
    resume = _mapped(target, mapping, row.held_from_stage) if row.held_from_stage else None
    if resume is None or resume in target.hold_stages or target.is_terminal(resume):
        problems.setdefault(f"stage_mapping.{row.stage}", []).append(
            f"partnership {row.id} would be put in hold stage '{to_stage}' of version "
            f"{target.version} with no stage to resume to; map '{row.stage}' to a working stage"
        )


def _unknown_old_stages(
    problems: dict[str, list[str]],
    mapping: Mapping[str, str],
    sources: Iterable[engine.CompiledWorkflow],
    target: engine.CompiledWorkflow,
) -> None:
    """A mapping whose old stage no source version has is a typo: say so."""
    versions = list(sources)
    known = {stage for source in versions for stage in source.stages}
    numbers = ", ".join(str(source.version) for source in sorted(versions, key=lambda s: s.version))
    for old in mapping:
        if versions and old not in known:
            problems.setdefault(f"stage_mapping.{old}", []).append(
                f"version {numbers} of '{target.key}' has no stage '{old}'"
                f"{did_you_mean(old, known)}; map only stages the partnerships are in"
            )


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
    if to_stage not in target.hold_stages:
        partnership.held_from_stage = None
    if to_stage != from_stage:
        partnership.stage = to_stage
        partnership.stage_entered_at = now
    ended = target.is_terminal(to_stage)
    if ended:
        partnership.ended_at = now
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
    return MigrationResult(
        partnership.id, from_version, target.version, from_stage, to_stage, ended
    )
