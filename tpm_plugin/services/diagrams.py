"""Workflow diagrams: a published version drawn as SVG or Mermaid, optionally with a
partnership's current stage highlighted.

Anyone holding a plugin role may view a workflow's diagram. Highlighting a partnership's
stage reads that partnership, so it needs object-level access to it and is audited.
"""

from __future__ import annotations

from ..access import Actor
from ..errors import NotFound, ValidationFailed
from ..schemas.common import MAX_INT
from ..workflows.diagram import to_mermaid, to_svg
from . import workflow_versions
from ._unit import unit_of_work
from .access import ALLOWED, partnership_for, record_access, require_some_role

_RENDERERS = {"svg": to_svg, "mermaid": to_mermaid}


def workflow_diagram(
    actor: Actor | None,
    workflow_key: str,
    version: int,
    diagram_format: str,
    partnership_id: int | None = None,
) -> str:
    """Draw a published workflow version.

    Args:
        actor: who is asking.
        workflow_key: the workflow's key.
        version: the published version's number.
        diagram_format: ``"svg"`` or ``"mermaid"``.
        partnership_id: a partnership on this version whose current stage to highlight.

    Returns:
        The SVG document or the Mermaid text.

    Raises:
        Unauthenticated: nobody is logged in.
        Forbidden: the actor holds no plugin role.
        NotFound: no such workflow, version, or partnership within the actor's reach.
        ValidationFailed: an unknown format, or the partnership runs on another version.
    """
    render = _RENDERERS.get(diagram_format)
    if render is None:
        raise ValidationFailed(
            "Unknown diagram format.",
            fields={"format": [f"Must be one of: {', '.join(sorted(_RENDERERS))}."]},
        )
    actor = require_some_role(actor, "workflow", "read_diagram")
    if not 1 <= version <= MAX_INT:
        # Beyond the column's range no version can exist (and the database would refuse
        # the comparison).
        raise NotFound(f"Workflow '{workflow_key}' has no published version {version}.")
    definition = workflow_versions.get_version(actor, workflow_key, version).definition
    highlight = None
    if partnership_id is not None:
        with unit_of_work():
            partnership = partnership_for(actor, partnership_id, "read_stage", reading=True)
            record_access(actor, "partnership", partnership_id, "read_stage", ALLOWED)
            pinned = (partnership.workflow_key, partnership.workflow_version)
            highlight = partnership.stage
        if pinned != (workflow_key, version):
            raise ValidationFailed(
                "The partnership runs on another workflow version.",
                fields={
                    "partnership": [
                        f"Partnership {partnership_id} is on {pinned[0]} version {pinned[1]}; "
                        f"ask for that version's diagram."
                    ]
                },
            )
    return render(definition, highlight)
