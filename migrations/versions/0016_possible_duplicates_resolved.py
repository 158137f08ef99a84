"""possible duplicates resolved: a program manager's decision on an intake record's flag

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tpm_plugin.models.base

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("duplicates_decision", sa.String(length=20)),
    ("duplicates_resolved_by", sa.String(length=64)),
    ("duplicates_resolved_at", tpm_plugin.models.base.UTCDateTime(timezone=True)),
    ("replaced_client_id", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("tpm_intake_records", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tpm_intake_records", schema=None) as batch_op:
        for name, _ in reversed(COLUMNS):
            batch_op.drop_column(name)
