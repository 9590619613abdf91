"""Outbox (deliveries the bot makes on its own), notices, their targets and confirmations,
saved group lists.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 12:17:10.067120
"""

from collections.abc import Sequence

import sqlalchemy as sa

from storage.migrations import schema

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema.table(
        "group_lists",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=False),
        schema.moment("updated_at"),
        unique=[("name",)],
    )
    schema.table(
        "notices",
        *schema.person("author_id", "author_name"),
        sa.Column("targets", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("copy_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("copy_message_id", sa.BigInteger(), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        schema.moment("created_at"),
        schema.moment("sent_at", null=True),
        schema.moment("reported_at", null=True),
        schema.moment("nudged_at", null=True),
        sa.Column("nudges", sa.Integer(), nullable=False),
        indexes=[("author_id",), ("created_at",)],
    )
    schema.table(
        "outbox",
        sa.Column("key", sa.String(160), nullable=False),
        sa.Column("topic", sa.String(64), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        schema.moment("due_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        schema.moment("lease_until", null=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        schema.moment("created_at"),
        schema.moment("finished_at", null=True),
        unique=[("key",)],
        indexes=[("state", "due_at"), ("topic",)],
    )
    schema.table(
        "notice_confirmations",
        schema.Ref("notice_id", "notices", "CASCADE"),
        schema.Ref("group_id", "groups", "CASCADE"),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        schema.moment("confirmed_at"),
        unique=[("notice_id", "group_id", "user_id")],
    )
    schema.table(
        "notice_targets",
        schema.Ref("notice_id", "notices", "CASCADE"),
        schema.Ref("group_id", "groups", "CASCADE"),
        unique=[("notice_id", "group_id")],
    )


def downgrade() -> None:
    schema.drop_tables(
        "notice_targets", "notice_confirmations", "outbox", "notices", "group_lists"
    )
