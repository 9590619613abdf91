"""Deadlines, the groups they are for, and their reminders.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from storage.migrations import schema

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema.table(
        "deadlines",
        sa.Column("what", sa.Text(), nullable=False),
        schema.moment("due_at"),
        sa.Column("leads", sa.JSON(), nullable=False),
        sa.Column("targets_label", sa.String(255), nullable=False),
        *schema.person("created_by", "created_by_name"),
        schema.moment("created_at"),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        indexes=[("due_at",), ("created_by",)],
    )
    schema.table(
        "deadline_targets",
        schema.Ref("deadline_id", "deadlines", "CASCADE"),
        schema.Ref("group_id", "groups", "CASCADE"),
        schema.moment("done_at", null=True),
        sa.Column("done_by", sa.BigInteger(), nullable=True),
        unique=[("deadline_id", "group_id")],
    )
    schema.table(
        "deadline_reminders",
        schema.Ref("deadline_id", "deadlines", "CASCADE"),
        schema.Ref("group_id", "groups", "CASCADE"),
        schema.moment("due_at"),
        sa.Column("lead", sa.Integer(), nullable=False),
        schema.moment("fire_at"),
        sa.Column("state", sa.String(16), nullable=False),
        schema.moment("enqueued_at", null=True),
        unique=[("deadline_id", "due_at", "group_id", "lead")],
        indexes=[("state", "fire_at")],
    )


def downgrade() -> None:
    schema.drop_tables("deadline_reminders", "deadline_targets", "deadlines")
