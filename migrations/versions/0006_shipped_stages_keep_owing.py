"""versions of the shipped workflow keep owing in the stages the model owes in

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Before revision 0004 every stage that was not terminal owed the program's weekly targets;
since then a stage owes only where its ``cadence`` says so. Versions published from the
shipped Therapeutic Partnership template before that change name a cadence on ``active``
only, so without this step a database upgraded in place would suddenly owe nothing in
identification, planning, review and closing. Those four stages (the ones the shipped
template now marks ``"owes": true``) get that cadence in every stored version and draft
that has them without one; referred and on hold stay owing nothing, as the model says.
Published versions are otherwise immutable: this keeps what they meant, it does not edit it.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The stages of the shipped template that owe meetings and supervision.
OWING_STAGES = ("identification", "planning", "review", "closing")

_TABLES = ("tpm_workflow_versions", "tpm_workflow_drafts")


def _with_owing_stages(definition: dict[str, Any]) -> dict[str, Any] | None:
    """``definition`` with the shipped owing stages marked, or ``None`` if nothing changes."""
    stages = definition.get("stages")
    if not isinstance(stages, list):
        return None
    changed = False
    marked = []
    for stage in stages:
        if (
            isinstance(stage, dict)
            and stage.get("key") in OWING_STAGES
            and stage.get("kind") != "terminal"
            and not stage.get("cadence")
        ):
            stage = {**stage, "cadence": {"owes": True}}
            changed = True
        marked.append(stage)
    return {**definition, "stages": marked} if changed else None


def upgrade() -> None:
    connection = op.get_bind()
    for name in _TABLES:
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("definition", sa.JSON))
        for row_id, definition in connection.execute(sa.select(table.c.id, table.c.definition)):
            marked = _with_owing_stages(definition or {})
            if marked is not None:
                connection.execute(
                    table.update().where(table.c.id == row_id).values(definition=marked)
                )


def downgrade() -> None:
    # The added cadences only say what these stages owed before revision 0004 (every stage
    # that was not terminal owed), so they are kept.
    pass
