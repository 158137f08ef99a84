"""create the plugin's tables

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import tpm_plugin.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "tpm_access_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_access_audit")),
    )
    with op.batch_alter_table("tpm_access_audit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_access_audit_actor_occurred", ["actor_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_tpm_access_audit_object", ["object_type", "object_id"], unique=False
        )

    op.create_table(
        "tpm_idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("completed_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_idempotency_keys")),
        sa.UniqueConstraint("actor_id", "key", name=op.f("uq_tpm_idempotency_keys_actor_id_key")),
    )
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
    op.create_table(
        "tpm_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_name", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column(
            "available_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("relayed_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_outbox")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_tpm_outbox_dedupe_key")),
    )
    with op.batch_alter_table("tpm_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_tpm_outbox_pending", ["relayed_at", "available_at"], unique=False)

    op.create_table(
        "tpm_programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("meetings_per_week", sa.Integer(), nullable=False),
        sa.Column("supervision_minutes_per_client", sa.Integer(), nullable=False),
        sa.Column("workflow_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "meetings_per_week BETWEEN 1 AND 14",
            name=op.f("ck_tpm_programs_meetings_per_week_range"),
        ),
        sa.CheckConstraint(
            "supervision_minutes_per_client BETWEEN 0 AND 240",
            name=op.f("ck_tpm_programs_supervision_minutes_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_programs")),
        sa.UniqueConstraint("key", name=op.f("uq_tpm_programs_key")),
    )
    op.create_table(
        "tpm_webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_webhook_deliveries")),
        sa.UniqueConstraint(
            "source", "delivery_id", name=op.f("uq_tpm_webhook_deliveries_source_delivery_id")
        ),
    )
    with op.batch_alter_table("tpm_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_webhook_deliveries_status", ["status", "received_at"], unique=False
        )

    op.create_table(
        "tpm_workflows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_workflows")),
        sa.UniqueConstraint("key", name=op.f("uq_tpm_workflows_key")),
    )
    op.create_table(
        "tpm_clients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("is_minor", sa.Boolean(), nullable=False),
        sa.Column("guardian_name", sa.String(length=200), nullable=True),
        sa.Column("guardian_contact", sa.String(length=200), nullable=True),
        sa.Column("preferred_language", sa.String(length=35), nullable=True),
        sa.Column(
            "consent_given_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("consent_given_by", sa.String(length=20), nullable=True),
        sa.Column("host_user_id", sa.String(length=64), nullable=True),
        sa.Column("erased_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "consent_given_by IS NULL OR consent_given_by IN ('client', 'guardian')",
            name=op.f("ck_tpm_clients_consent_given_by_known"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["tpm_programs.id"], name=op.f("fk_tpm_clients_program_id_tpm_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_clients")),
    )
    with op.batch_alter_table("tpm_clients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_clients_host_user_id"), ["host_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tpm_clients_program_id"), ["program_id"], unique=False)

    op.create_table(
        "tpm_partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("host_user_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_partners_program_id_tpm_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_partners")),
        sa.UniqueConstraint("host_user_id", name=op.f("uq_tpm_partners_host_user_id")),
    )
    with op.batch_alter_table("tpm_partners", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_partners_program_active", ["program_id", "active"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tpm_partners_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "tpm_program_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("host_user_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_program_managers_program_id_tpm_programs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_program_managers")),
        sa.UniqueConstraint(
            "program_id",
            "host_user_id",
            name=op.f("uq_tpm_program_managers_program_id_host_user_id"),
        ),
    )
    with op.batch_alter_table("tpm_program_managers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_program_managers_host_user_id"), ["host_user_id"], unique=False
        )

    op.create_table(
        "tpm_supervisors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=200), nullable=True),
        sa.Column("host_user_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_supervisors_program_id_tpm_programs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_supervisors")),
        sa.UniqueConstraint("host_user_id", name=op.f("uq_tpm_supervisors_host_user_id")),
    )
    with op.batch_alter_table("tpm_supervisors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_supervisors_program_id"), ["program_id"], unique=False
        )

    op.create_table(
        "tpm_workflow_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("based_on_version", sa.Integer(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["tpm_workflows.id"],
            name=op.f("fk_tpm_workflow_drafts_workflow_id_tpm_workflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_workflow_drafts")),
    )
    with op.batch_alter_table("tpm_workflow_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_workflow_drafts_workflow_id"), ["workflow_id"], unique=False
        )

    op.create_table(
        "tpm_workflow_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column(
            "published_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["tpm_workflows.id"],
            name=op.f("fk_tpm_workflow_versions_workflow_id_tpm_workflows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_workflow_versions")),
        sa.UniqueConstraint(
            "workflow_id", "version", name=op.f("uq_tpm_workflow_versions_workflow_id_version")
        ),
    )
    op.create_table(
        "tpm_partnerships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("supervisor_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(length=64), nullable=False),
        sa.Column("held_from_stage", sa.String(length=64), nullable=True),
        sa.Column("workflow_key", sa.String(length=64), nullable=False),
        sa.Column("workflow_version", sa.Integer(), nullable=False),
        sa.Column(
            "stage_entered_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("started_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["tpm_clients.id"],
            name=op.f("fk_tpm_partnerships_client_id_tpm_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["tpm_partners.id"],
            name=op.f("fk_tpm_partnerships_partner_id_tpm_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["tpm_programs.id"],
            name=op.f("fk_tpm_partnerships_program_id_tpm_programs"),
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_partnerships_supervisor_id_tpm_supervisors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_partnerships")),
    )
    with op.batch_alter_table("tpm_partnerships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_partnerships_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tpm_partnerships_partner_id"), ["partner_id"], unique=False
        )
        batch_op.create_index(
            "ix_tpm_partnerships_program_stage", ["program_id", "stage"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tpm_partnerships_supervisor_id"), ["supervisor_id"], unique=False
        )
        batch_op.create_index(
            "ix_tpm_partnerships_workflow",
            ["workflow_key", "workflow_version", "stage"],
            unique=False,
        )

    op.create_table(
        "tpm_supervision_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column(
            "scheduled_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("scheduled_minutes", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("held_minutes", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('scheduled', 'held', 'cancelled')",
            name=op.f("ck_tpm_supervision_sessions_status_known"),
        ),
        sa.CheckConstraint(
            "held_minutes IS NULL OR held_minutes BETWEEN 0 AND 480",
            name=op.f("ck_tpm_supervision_sessions_held_minutes_range"),
        ),
        sa.CheckConstraint(
            "scheduled_minutes BETWEEN 0 AND 480",
            name=op.f("ck_tpm_supervision_sessions_scheduled_minutes_range"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["tpm_partners.id"],
            name=op.f("fk_tpm_supervision_sessions_partner_id_tpm_partners"),
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["tpm_supervisors.id"],
            name=op.f("fk_tpm_supervision_sessions_supervisor_id_tpm_supervisors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_supervision_sessions")),
    )
    with op.batch_alter_table("tpm_supervision_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_supervision_sessions_partner_scheduled",
            ["partner_id", "scheduled_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tpm_supervision_sessions_supervisor_scheduled",
            ["supervisor_id", "scheduled_at"],
            unique=False,
        )

    op.create_table(
        "tpm_identification_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("domain", sa.String(length=10), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("breaks_where", sa.String(length=500), nullable=True),
        sa.Column("breaks_when", sa.String(length=500), nullable=True),
        sa.Column("how_it_broke", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "domain IN ('self', 'others', 'school', 'work', 'play')",
            name=op.f("ck_tpm_identification_entries_domain_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('client_voice', 'observation', 'others_report')",
            name=op.f("ck_tpm_identification_entries_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_identification_entries_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["tpm_identification_entries.id"],
            name=op.f("fk_tpm_identification_entries_supersedes_id_tpm_identification_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_identification_entries")),
        sa.UniqueConstraint(
            "supersedes_id", name=op.f("uq_tpm_identification_entries_supersedes_id")
        ),
    )
    with op.batch_alter_table("tpm_identification_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_identification_entries_partnership_kind",
            ["partnership_id", "kind"],
            unique=False,
        )

    op.create_table(
        "tpm_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column(
            "scheduled_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("cancelled_by", sa.String(length=10), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("activities_done", sa.JSON(), nullable=False),
        sa.Column("experience_note", sa.Text(), nullable=True),
        sa.Column("logged_by", sa.String(length=64), nullable=True),
        sa.Column("logged_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cancelled_by IS NULL OR cancelled_by IN ('client', 'partner', 'center')",
            name=op.f("ck_tpm_meetings_cancelled_by_known"),
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'held', 'cancelled', 'no_show')",
            name=op.f("ck_tpm_meetings_status_known"),
        ),
        sa.CheckConstraint(
            "minutes IS NULL OR minutes BETWEEN 0 AND 1440",
            name=op.f("ck_tpm_meetings_minutes_range"),
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_meetings_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["tpm_meetings.id"],
            name=op.f("fk_tpm_meetings_supersedes_id_tpm_meetings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_meetings")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_tpm_meetings_supersedes_id")),
    )
    with op.batch_alter_table("tpm_meetings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_meetings_partnership_scheduled",
            ["partnership_id", "scheduled_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_tpm_meetings_status_scheduled", ["status", "scheduled_at"], unique=False
        )

    op.create_table(
        "tpm_partnership_migrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("workflow_key", sa.String(length=64), nullable=False),
        sa.Column("from_version", sa.Integer(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=64), nullable=False),
        sa.Column("to_stage", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_partnership_migrations_partnership_id_tpm_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_partnership_migrations")),
    )
    with op.batch_alter_table("tpm_partnership_migrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_partnership_migrations_partnership_id"),
            ["partnership_id"],
            unique=False,
        )

    op.create_table(
        "tpm_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_plans_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_plans")),
        sa.UniqueConstraint(
            "partnership_id", "version", name=op.f("uq_tpm_plans_partnership_id_version")
        ),
    )
    op.create_table(
        "tpm_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("held_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=False),
        sa.Column("changes_decided", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('continue', 'replan', 'close')", name=op.f("ck_tpm_reviews_outcome_known")
        ),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_reviews_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["tpm_reviews.id"],
            name=op.f("fk_tpm_reviews_supersedes_id_tpm_reviews"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_reviews")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_tpm_reviews_supersedes_id")),
    )
    with op.batch_alter_table("tpm_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_reviews_partnership_id"), ["partnership_id"], unique=False
        )

    op.create_table(
        "tpm_supervision_discussed",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_supervision_discussed_partnership_id_tpm_partnerships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["tpm_supervision_sessions.id"],
            name=op.f("fk_tpm_supervision_discussed_session_id_tpm_supervision_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "session_id", "partnership_id", name=op.f("pk_tpm_supervision_discussed")
        ),
    )
    op.create_table(
        "tpm_transition_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", sa.String(length=64), nullable=True),
        sa.Column("to_stage", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("workflow_key", sa.String(length=64), nullable=False),
        sa.Column("workflow_version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", tpm_plugin.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partnership_id"],
            ["tpm_partnerships.id"],
            name=op.f("fk_tpm_transition_audit_partnership_id_tpm_partnerships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_transition_audit")),
    )
    with op.batch_alter_table("tpm_transition_audit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tpm_transition_audit_partnership_occurred",
            ["partnership_id", "occurred_at"],
            unique=False,
        )

    op.create_table(
        "tpm_planned_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=10), nullable=False),
        sa.Column("aim", sa.String(length=500), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("per_week", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "domain IN ('self', 'others', 'school', 'work', 'play')",
            name=op.f("ck_tpm_planned_activities_domain_known"),
        ),
        sa.CheckConstraint(
            "per_week IS NULL OR per_week BETWEEN 1 AND 21",
            name=op.f("ck_tpm_planned_activities_per_week_range"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["tpm_plans.id"],
            name=op.f("fk_tpm_planned_activities_plan_id_tpm_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_planned_activities")),
    )
    with op.batch_alter_table("tpm_planned_activities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tpm_planned_activities_plan_id"), ["plan_id"], unique=False
        )

    op.create_table(
        "tpm_review_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=10), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "domain IN ('self', 'others', 'school', 'work', 'play')",
            name=op.f("ck_tpm_review_ratings_domain_known"),
        ),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_tpm_review_ratings_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["tpm_reviews.id"],
            name=op.f("fk_tpm_review_ratings_review_id_tpm_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpm_review_ratings")),
        sa.UniqueConstraint(
            "review_id", "domain", name=op.f("uq_tpm_review_ratings_review_id_domain")
        ),
    )
    op.create_table(
        "tpm_activity_answers",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("identification_entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["tpm_planned_activities.id"],
            name=op.f("fk_tpm_activity_answers_activity_id_tpm_planned_activities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["identification_entry_id"],
            ["tpm_identification_entries.id"],
            name=op.f("fk_tpm_activity_answers_identification_entry_id_tpm_identification_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "activity_id", "identification_entry_id", name=op.f("pk_tpm_activity_answers")
        ),
    )


def downgrade() -> None:

    op.drop_table("tpm_activity_answers")
    op.drop_table("tpm_review_ratings")
    with op.batch_alter_table("tpm_planned_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_planned_activities_plan_id"))

    op.drop_table("tpm_planned_activities")
    with op.batch_alter_table("tpm_transition_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_transition_audit_partnership_occurred")

    op.drop_table("tpm_transition_audit")
    op.drop_table("tpm_supervision_discussed")
    with op.batch_alter_table("tpm_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_reviews_partnership_id"))

    op.drop_table("tpm_reviews")
    op.drop_table("tpm_plans")
    with op.batch_alter_table("tpm_partnership_migrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_partnership_migrations_partnership_id"))

    op.drop_table("tpm_partnership_migrations")
    with op.batch_alter_table("tpm_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_meetings_status_scheduled")
        batch_op.drop_index("ix_tpm_meetings_partnership_scheduled")

    op.drop_table("tpm_meetings")
    with op.batch_alter_table("tpm_identification_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_identification_entries_partnership_kind")

    op.drop_table("tpm_identification_entries")
    with op.batch_alter_table("tpm_supervision_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_supervision_sessions_supervisor_scheduled")
        batch_op.drop_index("ix_tpm_supervision_sessions_partner_scheduled")

    op.drop_table("tpm_supervision_sessions")
    with op.batch_alter_table("tpm_partnerships", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_partnerships_workflow")
        batch_op.drop_index(batch_op.f("ix_tpm_partnerships_supervisor_id"))
        batch_op.drop_index("ix_tpm_partnerships_program_stage")
        batch_op.drop_index(batch_op.f("ix_tpm_partnerships_partner_id"))
        batch_op.drop_index(batch_op.f("ix_tpm_partnerships_client_id"))

    op.drop_table("tpm_partnerships")
    op.drop_table("tpm_workflow_versions")
    with op.batch_alter_table("tpm_workflow_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_workflow_drafts_workflow_id"))

    op.drop_table("tpm_workflow_drafts")
    with op.batch_alter_table("tpm_supervisors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_supervisors_program_id"))

    op.drop_table("tpm_supervisors")
    with op.batch_alter_table("tpm_program_managers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_program_managers_host_user_id"))

    op.drop_table("tpm_program_managers")
    with op.batch_alter_table("tpm_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_partners_program_id"))
        batch_op.drop_index("ix_tpm_partners_program_active")

    op.drop_table("tpm_partners")
    with op.batch_alter_table("tpm_clients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tpm_clients_program_id"))
        batch_op.drop_index(batch_op.f("ix_tpm_clients_host_user_id"))

    op.drop_table("tpm_clients")
    op.drop_table("tpm_workflows")
    with op.batch_alter_table("tpm_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_webhook_deliveries_status")

    op.drop_table("tpm_webhook_deliveries")
    op.drop_table("tpm_programs")
    with op.batch_alter_table("tpm_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_outbox_pending")

    op.drop_table("tpm_outbox")
    op.drop_table("tpm_notification_ledger")
    op.drop_table("tpm_idempotency_keys")
    with op.batch_alter_table("tpm_access_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_access_audit_object")
        batch_op.drop_index("ix_tpm_access_audit_actor_occurred")

    op.drop_table("tpm_access_audit")
