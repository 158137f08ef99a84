"""supervision scheduling: availability windows, absences with cover, partners' blocked
times; supervision sessions placed as weekly blocks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tpm_plugin.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _weekly(table: str, owner: str, owner_table: str, order_name: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("ends_at", sa.Time(), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f(f"ck_{table}_weekday_range")),
        sa.CheckConstraint("starts_at < ends_at", name=op.f(f"ck_{table}_{order_name}")),
        sa.ForeignKeyConstraint(
            [owner],
            [f"{owner_table}.id"],
            name=op.f(f"fk_{table}_{owner}_{owner_table}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{owner}"), [owner], unique=False)


def upgrade() -> None:
    _weekly("tpm_availability_windows", "supervisor_id", "tpm_supervisors", "window_order")
    _weekly("tpm_blocked_times", "partner_id", "tpm_partners", "blocked_order")
    op.create_table(
        "tpm_absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("cover_supervisor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_tpm_absences_absence_order")),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_absences_supervisor_id_tpm_supervisors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cover_supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_absences_cover_supervisor_id_tpm_supervisors"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_absences")),
    )
    with op.batch_alter_table("tpm_absences", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_absences_supervisor_starts", ["supervisor_id", "starts_on"], unique=False
        )
    op.create_table(
        "tpm_unplaced_supervision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("week_starts_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_unplaced_supervision_supervisor_id_tpm_supervisors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["tpm_partners.id"],
            name=op.f("fk_tpm_unplaced_supervision_partner_id_tpm_partners"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_unplaced_supervision")),
        sa.UniqueConstraint(
            "supervisor_id",
            "partner_id",
            "week_starts_on",
            name=op.f("uq_tpm_unplaced_supervision_supervisor_id_partner_id_week_starts_on"),
        ),
    )
    op.create_table(
        "tpm_placement_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("week_starts_on", sa.Date(), nullable=False),
        sa.Column("placed_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_seen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_placement_runs_program_id_tpm_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_placement_runs")),
        sa.UniqueConstraint(
            "program_id",
            "week_starts_on",
            name=op.f("uq_tpm_placement_runs_program_id_week_starts_on"),
        ),
    )
    op.create_table(
        "tpm_cover_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("absence_id", sa.Integer(), nullable=False),
        sa.Column("cover_supervisor_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["absence_id"],
            ["tpm_absences.id"],
            name=op.f("fk_tpm_cover_grants_absence_id_tpm_absences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cover_supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_cover_grants_cover_supervisor_id_tpm_supervisors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_cover_grants_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_cover_grants")),
        sa.UniqueConstraint(
            "absence_id",
            "partnership_id",
            name=op.f("uq_tpm_cover_grants_absence_id_partnership_id"),
        ),
    )
    with op.batch_alter_table("tpm_cover_grants", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_cover_grants_cover_ends", ["cover_supervisor_id", "ends_at"], unique=False
        )
    op.create_table(
        "tpm_calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_role", sa.String(length=10), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "owner_role IN ('partner', 'supervisor')",
            name=op.f("ck_tpm_calendar_feeds_owner_role_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tpm_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("tpm_calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_calendar_feeds_owner", ["owner_role", "owner_id"], unique=False
        )
    with op.batch_alter_table("tpm_supervision_discussed", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minutes", sa.Integer(), nullable=True))
    with op.batch_alter_table("tpm_supervision_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_tpm_supervision_sessions_status_known"), type_="check"
        )
        batch_op.create_check_constraint(
            "status_known", "status IN ('scheduled', 'held', 'cancelled', 'no_show')"
        )
        batch_op.add_column(sa.Column("placed_week", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("block_part", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tpm_supervision_discussed", schema=None) as batch_op:
        batch_op.drop_column("minutes")
    with op.batch_alter_table("tpm_supervision_sessions", schema=None) as batch_op:
        batch_op.drop_column("block_part")
        batch_op.drop_column("placed_week")
        batch_op.drop_constraint(
            batch_op.f("ck_tpm_supervision_sessions_status_known"), type_="check"
        )
        batch_op.create_check_constraint(
            "status_known", "status IN ('scheduled', 'held', 'cancelled')"
        )
    with op.batch_alter_table("tpm_calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_calendar_feeds_owner")
    op.drop_table("tpm_calendar_feeds")
    with op.batch_alter_table("tpm_cover_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_cover_grants_cover_ends")
    op.drop_table("tpm_cover_grants")
    op.drop_table("tpm_placement_runs")
    op.drop_table("tpm_unplaced_supervision")
    with op.batch_alter_table("tpm_absences", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_absences_supervisor_starts")
    op.drop_table("tpm_absences")
    for table, owner in (
        ("tpm_blocked_times", "partner_id"),
        ("tpm_availability_windows", "supervisor_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{owner}"))
        op.drop_table(table)
