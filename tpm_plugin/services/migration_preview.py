"""What a migration would move, before anything moves: the dry run behind the stage
editor's "migrate running partnerships" page.

:func:`~tpm_plugin.services.workflow_versions.migrate_partnerships` is all or nothing and
refuses a mapping that leaves a stage behind; this read shows a program manager, for a
mapping they are still choosing, where each running partnership would land and which old
stages still need a mapping. The listing is audited like any read of partnerships.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select

from ..access import Actor
from ..models import Partnership
from ._unit import session, unit_of_work
from .access import record_reads, require_some_role
from .workflow_versions import compiled_workflow
from .workflow_versions._access import may_manage
from .workflow_versions.catalog import changeable_workflow


@dataclass(frozen=True)
class MoveCandidate:
    """A running partnership on an older version, and where the mapping would put it
    (``to_stage`` is ``None`` while its stage still needs a mapping)."""

    partnership_id: int
    from_version: int
    from_stage: str
    to_stage: str | None


@dataclass(frozen=True)
class MigrationPreview:
    """The target version's stages (in order), the partnerships that could move, the old
    stages they are in that the target lacks (``stages_to_map``), and those of them the
    mapping does not cover yet (``unmapped_stages``)."""

    workflow_key: str
    to_version: int
    target_stages: list[str]
    candidates: list[MoveCandidate]
    stages_to_map: list[str]
    unmapped_stages: list[str]


def preview_migration(
    actor: Actor | None, key: str, to_version: int, stage_mapping: Mapping[str, str]
) -> MigrationPreview:
    """The running partnerships of the actor's programs on versions of ``key`` older than
    ``to_version``, each with the stage ``stage_mapping`` would give it there.

    Raises:
        Forbidden: not a program manager.
        NotFound: no such workflow or version within the actor's programs.
    """
    may_manage(actor, "preview_migration")
    actor = require_some_role(actor, "workflow", "preview_migration")
    with unit_of_work():
        changeable_workflow(actor, key)
        target = compiled_workflow(key, to_version)
        rows = (
            session()
            .scalars(
                select(Partnership)
                .where(
                    Partnership.workflow_key == key,
                    Partnership.workflow_version < to_version,
                    Partnership.ended_at.is_(None),
                    Partnership.program_id.in_(sorted(actor.managed_program_ids)),
                )
                .order_by(Partnership.id)
            )
            .all()
        )
        record_reads(actor, "partnership", [row.id for row in rows], "preview_migration")
        missing: dict[str, None] = {}
        candidates = []
        for row in rows:
            for stage in (row.stage, row.held_from_stage):
                if stage is not None and stage not in target.stages:
                    missing[stage] = None
            to_stage = stage_mapping.get(row.stage, row.stage)
            candidates.append(
                MoveCandidate(
                    row.id,
                    row.workflow_version,
                    row.stage,
                    to_stage if to_stage in target.stages else None,
                )
            )
        unmapped = [stage for stage in missing if stage_mapping.get(stage) not in target.stages]
        return MigrationPreview(
            key, to_version, list(target.stages), candidates, list(missing), unmapped
        )
