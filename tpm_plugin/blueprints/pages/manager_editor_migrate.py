"""Moving running partnerships to a newly published version, from the stage editor: a
preview of where each would land (:mod:`tpm_plugin.services.migration_preview`), a mapping
for the stages the new version lacks, and the migration itself
(:func:`~tpm_plugin.services.workflow_versions.migrate_partnerships`, all or nothing, as
``POST /workflows/<key>/versions/<n>/migrations``)."""

from __future__ import annotations

from typing import Any

from flask import request

from ...errors import ValidationFailed
from ...schemas.workflow import MigrationRequestSchema
from ...services import migration_preview, workflow_versions
from .._request import load
from .._routes import RouteTable
from ._render import render_page
from .manager_editor_access import require_manager

_SCHEMA = MigrationRequestSchema()


def migration(key: str, version: int) -> tuple[str, int]:
    """``GET …/versions/<n>/migrate``: the running partnerships on older versions, all
    chosen, with the stages the new version lacks still to map."""
    preview = migration_preview.preview_migration(require_manager(), key, version, {})
    chosen = {c.partnership_id for c in preview.candidates}
    return _page(preview, {}, chosen, {})


def migrate(key: str, version: int) -> tuple[str, int]:
    """``POST …/versions/<n>/migrate``: ``action=preview`` shows where the chosen mapping
    puts each partnership; ``action=migrate`` moves the chosen ones, or shows every problem
    beside its mapping or partnership (422, nothing moved)."""
    actor = require_manager()
    mapping = {
        name.removeprefix("map-"): value
        for name, value in request.form.items()
        if name.startswith("map-") and value
    }
    ids = request.form.getlist("partnership_ids")
    preview = migration_preview.preview_migration(actor, key, version, mapping)
    chosen = {int(pid) for pid in ids if pid.isdigit()}
    if request.form.get("action") != "migrate":
        return _page(preview, mapping, chosen, {})
    try:
        # The form sends text; the API's schema takes ids as numbers.
        typed = [int(pid) if pid.isdigit() and len(pid) < 12 else pid for pid in ids]
        data = load(_SCHEMA, {"partnership_ids": typed, "stage_mapping": mapping})
        report = workflow_versions.migrate_partnerships(
            actor, key, version, data["partnership_ids"], data["stage_mapping"]
        )
    except ValidationFailed as failed:
        return _page(preview, mapping, chosen, _by_field(failed.fields, ids), status=422)
    return render_page(
        "tpm/pages/manager/editor_migrated.html", key=key, version=version, report=report
    )


def _by_field(problems: dict[str, list[str]], ids: list[str]) -> dict[str, list[str]]:
    """Problems by the page's field: ``map-<stage>``, ``partnership-<id>`` or the summary
    (``""``)."""
    errors: dict[str, list[str]] = {}
    for path, texts in problems.items():
        if path.startswith("stage_mapping."):
            target = "map-" + path.removeprefix("stage_mapping.")
        elif path.startswith(("partnership_ids[", "partnership_ids.")):
            index = path.removeprefix("partnership_ids").strip("[].")
            target = f"partnership-{ids[int(index)]}" if index.isdigit() else ""
        else:
            target = ""
        errors.setdefault(target, []).extend(texts)
    return errors


def _page(
    preview: migration_preview.MigrationPreview,
    mapping: dict[str, str],
    chosen: set[int],
    errors: dict[str, Any],
    *,
    status: int = 200,
) -> tuple[str, int]:
    return render_page(
        "tpm/pages/manager/editor_migrate.html",
        status=status,
        preview=preview,
        mapping=mapping,
        chosen=chosen,
        errors=errors,
        published=request.args.get("published") == "1",
    )


def register(routes: RouteTable) -> None:
    """Add the migration pages to ``routes``."""
    rule = "/manager/workflows/<key>/versions/<int:version>/migrate"
    routes.add_url_rule(rule, "manager_migration", migration, methods=["GET"])
    routes.add_url_rule(rule, "manager_migrate", migrate, methods=["POST"])
