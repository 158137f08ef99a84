"""Workflows, their drafts and immutable published versions, and moving partnerships between
versions.

A program manager makes a draft from the newest version, edits and validates it, and
publishes it as version N+1. New partnerships start on the newest published version;
running ones stay on theirs until :func:`migrate_partnerships` moves them with an explicit
stage mapping, each move audited in ``tpm_partnership_migrations``.

Every function taking an ``actor`` accepts either the API's :class:`~tpm_plugin.Actor`
(program managers change workflows; anyone with a role reads them) or :data:`COMMAND_LINE`,
the operator at the ``flask tpm workflow`` command, who is trusted.

Modules: :mod:`._access` (who may read and change workflows), :mod:`.definitions`
(checking a definition against the app's guards), :mod:`.guard_report` (published
guards this app has not registered), :mod:`.catalog` (the workflows),
:mod:`.published` (published versions and their compiled machines), :mod:`.drafts`
(making and publishing the next version), :mod:`.migration` (moving partnerships between
versions), :mod:`.stage_work` (the outbox row for a stage with scheduled work).
"""

from ._access import COMMAND_LINE, AnyActor, CommandLine
from .catalog import SHIPPED_WORKFLOW, create_workflow, get_workflow, list_workflows
from .definitions import check_definition, definition_problems, guard_names
from .drafts import (
    DraftInfo,
    create_draft,
    get_draft,
    import_definition,
    publish_draft,
    update_draft,
    validate_draft,
)
from .guard_report import VersionGuards, guard_report, missing_guards
from .migration import (
    MigrationReport,
    MigrationResult,
    SkippedPartnership,
    migrate_partnerships,
    running_partnership_ids,
)
from .published import (
    VersionInfo,
    compiled_workflow,
    export_definition,
    get_version,
    list_versions,
    published_definition,
    starting_point,
)
from .stage_work import STAGE_WORK_JOB, add_stage_work, stage_work_row

__all__ = [
    "COMMAND_LINE",
    "SHIPPED_WORKFLOW",
    "STAGE_WORK_JOB",
    "AnyActor",
    "CommandLine",
    "DraftInfo",
    "MigrationReport",
    "MigrationResult",
    "SkippedPartnership",
    "VersionGuards",
    "VersionInfo",
    "add_stage_work",
    "check_definition",
    "compiled_workflow",
    "create_draft",
    "create_workflow",
    "definition_problems",
    "export_definition",
    "get_draft",
    "get_version",
    "get_workflow",
    "guard_names",
    "guard_report",
    "import_definition",
    "list_versions",
    "list_workflows",
    "migrate_partnerships",
    "missing_guards",
    "publish_draft",
    "published_definition",
    "running_partnership_ids",
    "stage_work_row",
    "starting_point",
    "update_draft",
    "validate_draft",
]
