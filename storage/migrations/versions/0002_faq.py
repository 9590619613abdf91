"""FAQ: entries, synonyms, regional answers, change log, replies, votes, misses;
groups.auto_answer.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 12:11:56.031075
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bundled", sa.Boolean(), nullable=False),
        sa.Column("edited", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sa.UniqueConstraint("key", name=op.f("uq_faq_entries_key")),
    )
    op.create_table(
        "faq_synonym_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_synonym_groups")),
    )
    op.create_table(
        "faq_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("changed_by", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_changes_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_faq_changes_region_id_regions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_changes")),
    )
    with op.batch_alter_table("faq_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_changes_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "faq_misses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(length=200), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_misses_entry_id_faq_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_faq_misses_region_id_regions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_misses")),
    )
    with op.batch_alter_table("faq_misses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_faq_misses_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_faq_misses_normalized"), ["normalized"], unique=False)

    op.create_table(
        "faq_region_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_region_answers_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name=op.f("fk_faq_region_answers_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_region_answers")),
        sa.UniqueConstraint("entry_id", "region_id", name=op.f("uq_faq_region_answers_entry_id")),
    )
    op.create_table(
        "faq_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["faq_entries.id"],
            name=op.f("fk_faq_replies_entry_id_faq_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_replies")),
    )
    with op.batch_alter_table("faq_replies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_faq_replies_answered_at"), ["answered_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_faq_replies_chat_id"), ["chat_id"], unique=False)

    op.create_table(
        "faq_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reply_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["faq_replies.id"],
            name=op.f("fk_faq_votes_reply_id_faq_replies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_votes")),
        sa.UniqueConstraint("reply_id", "user_id", name=op.f("uq_faq_votes_reply_id")),
    )
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_answer", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("auto_answer")

    op.drop_table("faq_votes")
    with op.batch_alter_table("faq_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_replies_chat_id"))
        batch_op.drop_index(batch_op.f("ix_faq_replies_answered_at"))

    op.drop_table("faq_replies")
    op.drop_table("faq_region_answers")
    with op.batch_alter_table("faq_misses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_misses_normalized"))
        batch_op.drop_index(batch_op.f("ix_faq_misses_at"))

    op.drop_table("faq_misses")
    with op.batch_alter_table("faq_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_faq_changes_entry_id"))

    op.drop_table("faq_changes")
    op.drop_table("faq_synonym_groups")
    op.drop_table("faq_entries")
