"""programs' setting, people in several programs, group activities, second open partnerships

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

- ``tpm_programs.setting``: ``individual`` (the default) or ``afterschool``.
- ``tpm_partners`` / ``tpm_supervisors``: a host user is one partner (supervisor) per
  program instead of one system-wide, so the unique key is (program_id, host_user_id).
- ``tpm_meetings.group_id``: meetings logged together as one afterschool group activity.
- ``tpm_partnerships.another_open_reason``: why a manager opened a second open partnership
  for a client in one program.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PEOPLE = ("tpm_partners", "tpm_supervisors")


def upgrade() -> None:
    with op.batch_alter_table("tpm_programs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("setting", sa.String(length=20), nullable=False, server_default="individual")
        )
        batch_op.create_check_constraint(
            "setting_known", "setting IN ('individual', 'afterschool')"
        )
    for table in _PEOPLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"uq_{table}_host_user_id"), type_="unique")
            batch_op.create_unique_constraint(
                op.f(f"uq_{table}_program_id_host_user_id"), ["program_id", "host_user_id"]
            )
            batch_op.create_index(f"ix_{table}_host_user_id", ["host_user_id"], unique=False)
    with op.batch_alter_table("tpm_meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.String(length=32), nullable=True))
        batch_op.create_index("ix_tpm_meetings_group_id", ["group_id"], unique=False)
    with op.batch_alter_table("tpm_partnerships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("another_open_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tpm_partnerships", schema=None) as batch_op:
        batch_op.drop_column("another_open_reason")
    with op.batch_alter_table("tpm_meetings", schema=None) as batch_op:
        batch_op.drop_index("ix_tpm_meetings_group_id")
        batch_op.drop_column("group_id")
    for table in _PEOPLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_host_user_id")
            batch_op.drop_constraint(op.f(f"uq_{table}_program_id_host_user_id"), type_="unique")
            batch_op.create_unique_constraint(op.f(f"uq_{table}_host_user_id"), ["host_user_id"])
    with op.batch_alter_table("tpm_programs", schema=None) as batch_op:
        batch_op.drop_constraint("setting_known", type_="check")
        batch_op.drop_column("setting")
