"""preferred languages: a partner's and a supervisor's, and a program's, for pages and messages

Revision ID: 0014
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    ("tpm_partners", "preferred_language"),
    ("tpm_supervisors", "preferred_language"),
    ("tpm_programs", "language"),
)


def upgrade() -> None:
    for table, column in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=35), nullable=True))


def downgrade() -> None:
    for table, column in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
