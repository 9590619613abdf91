"""FAQ: entries, synonyms, regional answers, change log, replies, votes, misses;
groups.auto_answer.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:11:56.031075
"""

from collections.abc import Sequence

import sqlalchemy as sa

from storage.migrations import schema

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema.table(
        "faq_entries",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bundled", sa.Boolean(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        schema.moment("updated_at"),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        unique=[("key",)],
    )
    schema.table("faq_synonym_groups", sa.Column("terms", sa.JSON(), nullable=False))
    schema.table(
        "faq_changes",
        schema.Ref("entry_id", "faq_entries", "CASCADE"),
        schema.Ref("region_id", "regions", "SET NULL", null=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("changed_by", sa.BigInteger(), nullable=False),
        schema.moment("changed_at"),
        indexes=[("entry_id",)],
    )
    schema.table(
        "faq_misses",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(200), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        schema.Ref("region_id", "regions", "SET NULL", null=True),
        schema.Ref("entry_id", "faq_entries", "SET NULL", null=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=True),
        schema.moment("at"),
        indexes=[("at",), ("normalized",)],
    )
    schema.table(
        "faq_region_answers",
        schema.Ref("entry_id", "faq_entries", "CASCADE"),
        schema.Ref("region_id", "regions", "CASCADE"),
        sa.Column("answer", sa.Text(), nullable=False),
        schema.moment("updated_at"),
        sa.Column("updated_by", sa.BigInteger(), nullable=False),
        unique=[("entry_id", "region_id")],
    )
    schema.table(
        "faq_replies",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        schema.Ref("entry_id", "faq_entries", "CASCADE"),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        schema.moment("answered_at"),
        indexes=[("answered_at",), ("chat_id",)],
    )
    schema.table(
        "faq_votes",
        schema.Ref("reply_id", "faq_replies", "CASCADE"),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        schema.moment("voted_at"),
        unique=[("reply_id", "user_id")],
    )
    schema.add_flag("groups", "auto_answer", default=True)


def downgrade() -> None:
    schema.drop_columns("groups", "auto_answer")
    schema.drop_tables(
        "faq_votes",
        "faq_replies",
        "faq_region_answers",
        "faq_misses",
        "faq_changes",
        "faq_synonym_groups",
        "faq_entries",
    )
