"""workflows owned by programs; version columns on meetings and supervision sessions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Every program that used a global workflow gets its own copy of it, with all its published
versions (same numbers); the program, its partnerships and their audit rows are re-pointed to
the copy. A custom workflow only one program used simply becomes that program's. The shipped
``therapeutic_partnership`` and workflows no program used stay as templates.

Downgrade drops the ownership column and the version columns; programs stay on their copies,
which remain valid workflows.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tpm_plugin.models.workflow import program_copy_key

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHIPPED_WORKFLOW = "therapeutic_partnership"

workflows = sa.table(
    "tpm_workflows",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("name", sa.String),
    sa.column("program_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
)
versions = sa.table(
    "tpm_workflow_versions",
    sa.column("workflow_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("definition", sa.JSON),
    sa.column("published_by", sa.String),
    sa.column("published_at", sa.DateTime),
)
programs = sa.table(
    "tpm_programs",
    sa.column("id", sa.Integer),
    sa.column("key", sa.String),
    sa.column("workflow_key", sa.String),
)
partnerships = sa.table(
    "tpm_partnerships",
    sa.column("id", sa.Integer),
    sa.column("program_id", sa.Integer),
    sa.column("workflow_key", sa.String),
)
# History names the workflow too: it follows the partnership to the copy.
history_tables = [
    sa.table(
        name,
        sa.column("partnership_id", sa.Integer),
        sa.column("workflow_key", sa.String),
    )
    for name in ("tpm_transition_audit", "tpm_partnership_migrations")
]


def upgrade() -> None:
    with op.batch_alter_table("tpm_workflows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("program_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_tpm_workflows_program_id"), ["program_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_tpm_workflows_program_id_tpm_programs"),
            "tpm_programs",
            ["program_id"],
            ["id"],
            ondelete="CASCADE",
        )
    for table in ("tpm_meetings", "tpm_supervision_sessions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version_id", sa.Integer(), server_default="1", nullable=False)
            )
    _move_workflows_to_programs(op.get_bind())


def _move_workflows_to_programs(connection: sa.Connection) -> None:
    taken = set(connection.scalars(sa.select(workflows.c.key)))
    for workflow in connection.execute(sa.select(workflows)).all():
        users = connection.execute(
            sa.select(programs.c.id, programs.c.key)
            .where(
                sa.or_(
                    programs.c.workflow_key == workflow.key,
                    programs.c.id.in_(
                        sa.select(partnerships.c.program_id).where(
                            partnerships.c.workflow_key == workflow.key
                        )
                    ),
                )
            )
            .order_by(programs.c.id)
        ).all()
        if len(users) == 1 and workflow.key != SHIPPED_WORKFLOW:
            connection.execute(
                workflows.update()
                .where(workflows.c.id == workflow.id)
                .values(program_id=users[0].id)
            )
            continue
        for program in users:
            key = program_copy_key(program.key, program.id, workflow.key, taken.__contains__)
            taken.add(key)
            _copy(connection, workflow, program.id, key)


def _copy(connection: sa.Connection, workflow: sa.Row, program_id: int, key: str) -> None:
    copy_id = connection.execute(
        workflows.insert()
        .values(key=key, name=workflow.name, program_id=program_id, created_at=workflow.created_at)
        .returning(workflows.c.id)
    ).scalar_one()
    for version in connection.execute(
        sa.select(versions).where(versions.c.workflow_id == workflow.id)
    ).all():
        connection.execute(
            versions.insert().values(
                workflow_id=copy_id,
                version=version.version,
                definition={**version.definition, "key": key},
                published_by=version.published_by,
                published_at=version.published_at,
            )
        )
    connection.execute(
        programs.update().where(programs.c.id == program_id).values(workflow_key=key)
    )
    in_program = sa.select(partnerships.c.id).where(partnerships.c.program_id == program_id)
    for table in history_tables:
        connection.execute(
            table.update()
            .where(table.c.workflow_key == workflow.key, table.c.partnership_id.in_(in_program))
            .values(workflow_key=key)
        )
    connection.execute(
        partnerships.update()
        .where(partnerships.c.program_id == program_id, partnerships.c.workflow_key == workflow.key)
        .values(workflow_key=key)
    )


def downgrade() -> None:
    for table in ("tpm_supervision_sessions", "tpm_meetings"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version_id")
    with op.batch_alter_table("tpm_workflows", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tpm_workflows_program_id_tpm_programs"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_tpm_workflows_program_id"))
        batch_op.drop_column("program_id")
