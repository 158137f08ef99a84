"""an access audit with one row per request, and idempotent responses without care data

Adds ``program_id``, ``partnership_id`` and ``object_ids`` to ``tpm_access_audit`` (whose
care data a row is about, and the ids a list answered) with an index for a program's trail.
Deletes every stored idempotent response: responses stored before this revision carried
care data (names, notes), which an erasure could not reach; from now on a replay is
re-rendered from the current rows. A client retrying a key stored before the upgrade
runs the request anew.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tpm_access_audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("program_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("partnership_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("object_ids", sa.JSON(), nullable=True))
        batch_op.create_index(
            "ix_tpm_access_audit_program_occurred", ["program_id", "occurred_at"], unique=False
        )
    op.execute("DELETE FROM tpm_idempotency_keys")


def downgrade() -> None:
    with op.batch_alter_table("tpm_access_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_access_audit_program_occurred")
        batch_op.drop_column("object_ids")
        batch_op.drop_column("partnership_id")
        batch_op.drop_column("program_id")
