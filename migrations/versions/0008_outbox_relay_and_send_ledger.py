"""the send ledger keyed by (kind, recipient, occurrence), with a claim before each send

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

Nothing wrote to ``tpm_notification_ledger`` before this revision (no notifier existed), so
the table is replaced rather than altered.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tpm_plugin.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("tpm_notification_ledger")
    op.create_table(
        "tpm_notification_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("recipient_ref", sa.String(length=64), nullable=False),
        sa.Column("occurrence", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.Column("claimed_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_notification_ledger")),
        sa.UniqueConstraint(
            "kind",
            "recipient_ref",
            "occurrence",
            name=op.f("uq_tpm_notification_ledger_kind_recipient_ref_occurrence"),
        ),
    )


def downgrade() -> None:
    op.drop_table("tpm_notification_ledger")
    op.create_table(
        "tpm_notification_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_key", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient_ref", sa.String(length=64), nullable=False),
        sa.Column("sent_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_notification_ledger")),
        sa.UniqueConstraint("ledger_key", name=op.f("uq_tpm_notification_ledger_ledger_key")),
    )
