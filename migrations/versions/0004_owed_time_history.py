"""history of assignments and program targets, and crisis cadences

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-29

Creates ``tpm_partnership_assignments`` (who was partner and supervisor, when),
``tpm_program_targets`` (a program's weekly targets, when) and ``tpm_cadence_overrides``
(crisis cadences). Backfills one open period per partnership (its current partner and
supervisor since it started) and per program (its current targets since it was created).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tpm_plugin.models.base

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = tpm_plugin.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tpm_partnership_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("valid_from", _TIMESTAMP, nullable=False),
        sa.Column("valid_until", _TIMESTAMP, nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from",
            name=op.f("ck_tpm_partnership_assignments_period_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["tpm_partners.id"],
            name=op.f("fk_tpm_partnership_assignments_partner_id_tpm_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_partnership_assignments_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_partnership_assignments_supervisor_id_tpm_supervisors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_partnership_assignments")),
    )
    with op.batch_alter_table("tpm_partnership_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_partnership_assignments_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tpm_partnership_assignments_supervisor_id"),
            ["supervisor_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tpm_partnership_assignments_partnership",
            ["partnership_id", "valid_from"],
            unique=False,
        )

    op.create_table(
        "tpm_program_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("meetings_per_week", sa.Integer(), nullable=False),
        sa.Column("supervision_minutes_per_client", sa.Integer(), nullable=False),
        sa.Column("valid_from", _TIMESTAMP, nullable=False),
        sa.Column("valid_until", _TIMESTAMP, nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "meetings_per_week BETWEEN 1 AND 14",
            name=op.f("ck_tpm_program_targets_meetings_per_week_range"),
        ),
        sa.CheckConstraint(
            "supervision_minutes_per_client BETWEEN 0 AND 240",
            name=op.f("ck_tpm_program_targets_supervision_minutes_range"),
        ),
        sa.CheckConstraint(
            "valid_until IS NULL OR valid_until >= valid_from",
            name=op.f("ck_tpm_program_targets_period_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_program_targets_program_id_tpm_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_program_targets")),
    )
    with op.batch_alter_table("tpm_program_targets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_program_targets_program", ["program_id", "valid_from"], unique=False
        )

    op.create_table(
        "tpm_cadence_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("meetings_per_week", sa.Integer(), nullable=True),
        sa.Column("supervision_minutes_per_client", sa.Integer(), nullable=True),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("starts_at", _TIMESTAMP, nullable=False),
        sa.Column("ends_at", _TIMESTAMP, nullable=False),
        sa.Column("ended_early_at", _TIMESTAMP, nullable=True),
        sa.Column("ended_early_by", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_by_role", sa.String(length=32), nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "meetings_per_week IS NULL OR meetings_per_week BETWEEN 1 AND 14",
            name=op.f("ck_tpm_cadence_overrides_meetings_per_week_range"),
        ),
        sa.CheckConstraint(
            "supervision_minutes_per_client IS NULL "
            "OR supervision_minutes_per_client BETWEEN 1 AND 240",
            name=op.f("ck_tpm_cadence_overrides_supervision_minutes_range"),
        ),
        sa.CheckConstraint(
            "meetings_per_week IS NOT NULL OR supervision_minutes_per_client IS NOT NULL",
            name=op.f("ck_tpm_cadence_overrides_raises_something"),
        ),
        sa.CheckConstraint(
            "weeks BETWEEN 1 AND 26", name=op.f("ck_tpm_cadence_overrides_weeks_range")
        ),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_tpm_cadence_overrides_period_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_cadence_overrides_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_cadence_overrides")),
    )
    with op.batch_alter_table("tpm_cadence_overrides", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_cadence_overrides_partnership",
            ["partnership_id", "starts_at"],
            unique=False,
        )

    op.execute(
        "INSERT INTO tpm_partnership_assignments (partnership_id, partner_id, supervisor_id, "
        "valid_from) SELECT id, partner_id, supervisor_id, started_at FROM tpm_partnerships"
    )
    op.execute(
        "INSERT INTO tpm_program_targets (program_id, meetings_per_week, "
        "supervision_minutes_per_client, valid_from) SELECT id, meetings_per_week, "
        "supervision_minutes_per_client, created_at FROM tpm_programs"
    )


def downgrade() -> None:
    with op.batch_alter_table("tpm_cadence_overrides", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_cadence_overrides_partnership")
    op.drop_table("tpm_cadence_overrides")
    with op.batch_alter_table("tpm_program_targets", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_program_targets_program")
    op.drop_table("tpm_program_targets")
    with op.batch_alter_table("tpm_partnership_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_partnership_assignments_partnership")
        batch_op.drop_index(batch_op.f("ix_tpm_partnership_assignments_supervisor_id"))
        batch_op.drop_index(batch_op.f("ix_tpm_partnership_assignments_partner_id"))
    op.drop_table("tpm_partnership_assignments")
