"""intake sources carry a version, bumped by every change, so a process that keeps a
source in memory sees a rotation or a disable at once

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tpm_intake_sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version_id", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("tpm_intake_sources", schema=None) as batch_op:
        batch_op.drop_column("version_id")
