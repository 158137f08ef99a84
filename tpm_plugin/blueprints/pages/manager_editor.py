"""A program manager's stage editor: the program's workflows, editing a draft with the
API's validation shown beside each field and the diagram redrawn as it changes, and
publishing it. Moving running partnerships to the new version is
:mod:`.manager_editor_migrate`.

The pages call :mod:`tpm_plugin.services.workflow_versions` as ``/workflows`` does, so
who may edit, what is valid and what publishing refuses are the API's rules.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from flask import make_response, redirect, request
from werkzeug.wrappers import Response

from ...access import PROGRAM_MANAGER
from ...errors import ValidationFailed
from ...i18n import lazy_gettext
from ...i18n_messages import translate_message
from ...services import draft_preview, workflow_versions
from .._routes import RouteTable
from . import manager_editor_migrate
from ._htmx import varies, wants_fragment
from ._render import page_url, render_page
from .home import HOME_LINKS, HomeLink
from .manager_editor_access import require_manager
from .manager_editor_form import EditorForm, field_id, field_ids, from_definition, read_form

_DRAFT = "/manager/workflows/<key>/drafts/<int:draft_id>"


def workflows() -> tuple[str, int]:
    """``GET /manager/workflows``: the workflows of the viewer's programs, each with its
    newest version and open drafts."""
    actor = require_manager()
    items = [
        item
        for item in workflow_versions.list_workflows(actor)
        if item["program_id"] in actor.managed_program_ids
    ]
    return render_page("tpm/pages/manager/editor_workflows.html", workflows=items)


def new_draft(key: str) -> Response:
    """``POST /manager/workflows/<key>/drafts``: a draft copied from the newest version."""
    draft = workflow_versions.create_draft(require_manager(), key)
    return redirect(page_url("manager_draft", key=key, draft_id=draft.id), 303)


def draft(key: str, draft_id: int) -> tuple[str, int]:
    """``GET /manager/workflows/<key>/drafts/<id>``: the editor, with the stored draft's
    problems against the guards registered now."""
    actor = require_manager()
    stored = workflow_versions.get_draft(actor, key, draft_id)
    problems = workflow_versions.validate_draft(actor, key, draft_id)
    preview = draft_preview.preview_draft(actor, key, draft_id, stored.definition)
    return _editor(key, stored, from_definition(stored.definition), problems, preview.svg)


def preview(key: str, draft_id: int) -> Response:
    """``POST …/preview``: check and draw the definition as typed (nothing is saved); with
    htmx, only the diagram and the messages beside the fields are sent back."""
    actor = require_manager()
    form = read_form(request.form, key)
    result = draft_preview.preview_draft(actor, key, draft_id, form.definition)
    if wants_fragment():
        fragment = render_page(
            "tpm/pages/manager/editor_preview.html",
            summary=_summary(result.problems, form),
            errors=_errors(result.problems, form),
            field_ids=field_ids(form),
            diagram=_diagram(result.svg, form.definition),
            partial=result.partial,
        )
        return varies(make_response(fragment))
    stored = workflow_versions.get_draft(actor, key, draft_id)
    retyped = from_definition(form.definition)
    editor = _editor(key, stored, retyped, result.problems, result.svg, partial=result.partial)
    return varies(make_response(editor))


def save(key: str, draft_id: int) -> Response | tuple[str, int]:
    """``POST /manager/workflows/<key>/drafts/<id>``: store the definition as typed, or
    show every problem beside its field (422, the draft left as it was)."""
    actor = require_manager()
    form = read_form(request.form, key)
    try:
        workflow_versions.update_draft(actor, key, draft_id, form.definition)
    except ValidationFailed as failed:
        result = draft_preview.preview_draft(actor, key, draft_id, form.definition)
        stored = workflow_versions.get_draft(actor, key, draft_id)
        retyped = from_definition(form.definition)
        return _editor(key, stored, retyped, failed.fields, result.svg, status=422, partial=True)
    return redirect(page_url("manager_draft", key=key, draft_id=draft_id, saved=1), 303)


def publish(key: str, draft_id: int) -> Response | tuple[str, int]:
    """``POST …/publish``: publish the saved draft as the next version, then offer to move
    running partnerships to it; an invalid draft is shown with its problems (422)."""
    actor = require_manager()
    try:
        version = workflow_versions.publish_draft(actor, key, draft_id)
    except ValidationFailed as failed:
        stored = workflow_versions.get_draft(actor, key, draft_id)
        result = draft_preview.preview_draft(actor, key, draft_id, stored.definition)
        form = from_definition(stored.definition)
        return _editor(key, stored, form, failed.fields, result.svg, status=422)
    return redirect(
        page_url("manager_migration", key=key, version=version.version, published=1), 303
    )


def _editor(
    key: str,
    stored: workflow_versions.DraftInfo,
    form: EditorForm,
    problems: dict[str, list[str]],
    svg: str,
    *,
    status: int = 200,
    partial: bool = False,
) -> tuple[str, int]:
    return render_page(
        "tpm/pages/manager/editor_draft.html",
        status=status,
        key=key,
        draft=stored,
        definition=form.definition,
        errors=_errors(problems, form, renumbered=True),
        summary=_summary(problems, form, renumbered=True),
        diagram=_diagram(svg, form.definition),
        partial=partial or bool(problems),
        guards=sorted(workflow_versions.guard_names()),
        saved=request.args.get("saved") == "1",
    )


@dataclass(frozen=True)
class Diagram:
    """The drawing as an image (``src``, a ``data:`` URI) and the stages it shows, for its
    text alternative."""

    src: str
    stages: list[str]


def _diagram(svg: str, definition: dict[str, Any]) -> Diagram:
    # An image, not inline SVG: the drawing's own stylesheet (.title, .stage, …) would
    # otherwise style the host's page too.
    encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    stages = [
        str(stage.get("label") or stage.get("key"))
        for stage in definition.get("stages", [])
        if isinstance(stage, dict) and (stage.get("label") or stage.get("key"))
    ]
    return Diagram(f"data:image/svg+xml;base64,{encoded}", stages)


def _errors(
    problems: dict[str, list[str]], form: EditorForm, *, renumbered: bool = False
) -> dict[str, list[str]]:
    """Messages by field id (the form as posted, or as re-rendered when ``renumbered``)."""
    errors: dict[str, list[str]] = {}
    for path, texts in problems.items():
        errors.setdefault(field_id(path, None if renumbered else form), []).extend(texts)
    return errors


def _summary(
    problems: dict[str, list[str]], form: EditorForm, *, renumbered: bool = False
) -> list[dict[str, Any]]:
    """The error summary: each problem with its JSON path and the field to jump to (when the
    form has one)."""
    known = set(field_ids(form))
    entries = []
    for path, texts in problems.items():
        target = field_id(path, None if renumbered else form)
        for text in texts:
            entries.append(
                {
                    "path": path,
                    "field": target if target in known else None,
                    "text": translate_message(text),
                }
            )
    return entries


def register(routes: RouteTable) -> None:
    """Add the stage editor's pages to ``routes``."""
    routes.add_url_rule("/manager/workflows", "manager_workflows", workflows, methods=["GET"])
    routes.add_url_rule(
        "/manager/workflows/<key>/drafts", "manager_new_draft", new_draft, methods=["POST"]
    )
    routes.add_url_rule(_DRAFT, "manager_draft", draft, methods=["GET"])
    routes.add_url_rule(_DRAFT, "manager_save_draft", save, methods=["POST"])
    routes.add_url_rule(f"{_DRAFT}/preview", "manager_preview_draft", preview, methods=["POST"])
    routes.add_url_rule(f"{_DRAFT}/publish", "manager_publish_draft", publish, methods=["POST"])
    manager_editor_migrate.register(routes)
    HOME_LINKS.append(HomeLink(PROGRAM_MANAGER, "manager_workflows", lazy_gettext("Stage editor")))
