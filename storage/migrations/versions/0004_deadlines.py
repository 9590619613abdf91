"""Deadlines, the groups they are for, and their reminders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leads", sa.JSON(), nullable=False),
        sa.Column("targets_label", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_by_name", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
    )
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadlines_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_deadlines_created_by"), ["created_by"], unique=False)

    op.create_table(
        "deadline_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_deadline_targets_deadline_id_deadlines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_deadline_targets_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_targets")),
        sa.UniqueConstraint(
            "deadline_id", "group_id", name=op.f("uq_deadline_targets_deadline_id")
        ),
    )
    op.create_table(
        "deadline_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deadline_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead", sa.Integer(), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_deadline_reminders_deadline_id_deadlines"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_deadline_reminders_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_reminders")),
        sa.UniqueConstraint(
            "deadline_id",
            "due_at",
            "group_id",
            "lead",
            name=op.f("uq_deadline_reminders_deadline_id"),
        ),
    )
    with op.batch_alter_table("deadline_reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deadline_reminders_state_fire_at", ["state", "fire_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("deadline_reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_deadline_reminders_state_fire_at")

    op.drop_table("deadline_reminders")
    op.drop_table("deadline_targets")
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadlines_created_by"))
        batch_op.drop_index(batch_op.f("ix_deadlines_due_at"))

    op.drop_table("deadlines")
