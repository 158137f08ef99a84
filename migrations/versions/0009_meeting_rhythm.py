"""meeting rhythm: preferred meeting times, missed and checked weeks, guardian reminders

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tpm_plugin.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tpm_programs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("remind_guardians", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "tpm_preferred_meeting_times",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("local_time", sa.Time(), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "weekday BETWEEN 0 AND 6", name=op.f("ck_tpm_preferred_meeting_times_weekday_range")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_preferred_meeting_times_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_preferred_meeting_times")),
        sa.UniqueConstraint(
            "partnership_id",
            "weekday",
            "local_time",
            name=op.f("uq_tpm_preferred_meeting_times_partnership_id_weekday_local_time"),
        ),
    )
    op.create_table(
        "tpm_missed_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("week_starts_on", sa.Date(), nullable=False),
        sa.Column("meetings_target", sa.Float(), nullable=False),
        sa.Column("meetings_held", sa.Integer(), nullable=False),
        sa.Column("flagged_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_missed_weeks_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_missed_weeks_supervisor_id_tpm_supervisors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_missed_weeks")),
        sa.UniqueConstraint(
            "partnership_id",
            "week_starts_on",
            name=op.f("uq_tpm_missed_weeks_partnership_id_week_starts_on"),
        ),
    )
    with op.batch_alter_table("tpm_missed_weeks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_missed_weeks_supervisor_week", ["supervisor_id", "week_starts_on"], unique=False
        )
    op.create_table(
        "tpm_checked_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("week_starts_on", sa.Date(), nullable=False),
        sa.Column("checked_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_checked_weeks_program_id_tpm_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_checked_weeks")),
        sa.UniqueConstraint(
            "program_id",
            "week_starts_on",
            name=op.f("uq_tpm_checked_weeks_program_id_week_starts_on"),
        ),
    )


def downgrade() -> None:
    op.drop_table("tpm_checked_weeks")
    with op.batch_alter_table("tpm_missed_weeks", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_missed_weeks_supervisor_week")
    op.drop_table("tpm_missed_weeks")
    op.drop_table("tpm_preferred_meeting_times")
    with op.batch_alter_table("tpm_programs", schema=None) as batch_op:
        batch_op.drop_column("remind_guardians")
