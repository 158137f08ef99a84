"""What a draft would look like before it is saved: its problems and its diagram.

The stage editor sends the definition as it is being typed; nothing is stored. The problems
are exactly those :func:`~tpm_plugin.services.workflow_versions.update_draft` would refuse
(the workflows API's own check), so the messages beside each field are the API's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..access import Actor
from ..workflows.definition import STAGE_KINDS
from ..workflows.diagram import to_svg
from . import workflow_versions


@dataclass(frozen=True)
class DraftPreview:
    """A definition's problems keyed by JSON path (empty: it may be saved) and its diagram.

    ``partial`` says the diagram leaves out the stages and transitions that cannot be read
    yet (an unknown destination, a missing key), so the editor can say so.
    """

    problems: dict[str, list[str]]
    svg: str
    partial: bool


def preview_draft(actor: Actor | None, key: str, draft_id: int, definition: Any) -> DraftPreview:
    """Check ``definition`` as draft ``draft_id`` of workflow ``key`` and draw it.

    Raises:
        Forbidden: not a program manager.
        NotFound: no such workflow or draft within the actor's programs.
    """
    workflow_versions.get_draft(actor, key, draft_id)
    problems = workflow_versions.definition_problems(definition, key)
    drawable = definition if not problems else _readable(definition)
    return DraftPreview(problems, to_svg(drawable), bool(problems))


def _readable(definition: Any) -> dict[str, Any]:
    """The parts of an invalid definition the diagram can draw: stages with a key and a
    known kind, and transitions between them."""
    data = definition if isinstance(definition, Mapping) else {}
    stages = [
        {"key": s["key"], "label": str(s.get("label") or s["key"]), "kind": s["kind"]}
        for s in _items(data.get("stages"))
        if isinstance(s.get("key"), str) and s["key"] and s.get("kind") in STAGE_KINDS
    ]
    keys = {stage["key"] for stage in stages}
    transitions = [
        {
            "trigger": t["trigger"],
            "label": str(t.get("label") or t["trigger"]),
            "sources": list(t["sources"]),
            "dest": t["dest"],
        }
        for t in _items(data.get("transitions"))
        if isinstance(t.get("trigger"), str)
        and t.get("dest") in keys
        and isinstance(t.get("sources"), list)
        and t["sources"]
        and all(source in keys for source in t["sources"])
    ]
    return {"name": data.get("name"), "stages": stages, "transitions": transitions}


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
