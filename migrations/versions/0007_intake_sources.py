"""intake sources, intake records and dead letters

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tpm_plugin.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = tpm_plugin.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tpm_intake_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("handshake_key", sa.String(length=200), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _UTC, nullable=False),
        sa.Column("secret_rotated_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_intake_sources_program_id_tpm_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_intake_sources")),
        sa.UniqueConstraint("key", name=op.f("uq_tpm_intake_sources_key")),
    )
    with op.batch_alter_table("tpm_intake_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_intake_sources_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "tpm_intake_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("school", sa.String(length=200), nullable=True),
        sa.Column("referral_reason", sa.Text(), nullable=True),
        sa.Column("consent", sa.JSON(), nullable=True),
        sa.Column("possible_duplicate_client_ids", sa.JSON(), nullable=True),
        sa.Column("received_at", _UTC, nullable=False),
        sa.Column("updated_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["tpm_clients.id"],
            name=op.f("fk_tpm_intake_records_client_id_tpm_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_intake_records_partnership_id_tpm_partnerships"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["tpm_intake_sources.id"],
            name=op.f("fk_tpm_intake_records_source_id_tpm_intake_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_intake_records")),
        sa.UniqueConstraint(
            "source_id", "submission_id", name=op.f("uq_tpm_intake_records_source_id_submission_id")
        ),
    )
    with op.batch_alter_table("tpm_intake_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_intake_records_client_id"), ["client_id"], unique=False
        )

    op.create_table(
        "tpm_intake_dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=True),
        sa.Column("received_at", _UTC, nullable=False),
        sa.Column("replayed_at", _UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["tpm_clients.id"],
            name=op.f("fk_tpm_intake_dead_letters_client_id_tpm_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["tpm_intake_sources.id"],
            name=op.f("fk_tpm_intake_dead_letters_source_id_tpm_intake_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_intake_dead_letters")),
        sa.UniqueConstraint(
            "source_id",
            "delivery_id",
            name=op.f("uq_tpm_intake_dead_letters_source_id_delivery_id"),
        ),
    )
    with op.batch_alter_table("tpm_intake_dead_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_intake_dead_letters_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            "ix_tpm_intake_dead_letters_status", ["status", "received_at"], unique=False
        )

    with op.batch_alter_table("tpm_clients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_clients_program_birth", ["program_id", "date_of_birth"], unique=False
        )
        batch_op.create_index(
            "ix_tpm_clients_program_guardian", ["program_id", "guardian_contact"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tpm_clients", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_clients_program_guardian")
        batch_op.drop_index("ix_tpm_clients_program_birth")
    op.drop_table("tpm_intake_dead_letters")
    op.drop_table("tpm_intake_records")
    op.drop_table("tpm_intake_sources")
