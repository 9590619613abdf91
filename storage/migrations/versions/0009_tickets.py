"""Platform-problem tickets, their history, the desk group and the desk role.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import schema

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema.add_flag("groups", "is_desk", default=False)
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("desk_staff_by", sa.BigInteger(), nullable=True))
    schema.table(
        "tickets",
        schema.Ref("region_id", "regions", "SET NULL", null=True),
        schema.Ref("group_id", "groups", "SET NULL", null=True),
        *schema.message("origin_"),
        *schema.person("reporter_id", "reporter_name"),
        sa.Column("filed_by", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachment", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        *schema.person("claimed_by", "claimed_by_name", null=True),
        schema.moment("created_at"),
        schema.moment("updated_at"),
        schema.moment("state_since"),
        schema.moment("pinged_at", null=True),
        unique=[("origin_chat_id", "origin_message_id")],
        indexes=[("state",), ("created_at",)],
    )
    schema.table(
        "ticket_events",
        schema.Ref("ticket_id", "tickets", "CASCADE"),
        schema.moment("at"),
        *schema.person("by", "by_name"),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("before", sa.String(32), nullable=True),
        sa.Column("after", sa.String(32), nullable=False),
        indexes=[("ticket_id",)],
    )
    schema.table(
        "ticket_offers",
        *schema.message(),
        *schema.person("user_id", "user_name"),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("attachment", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        schema.Ref("ticket_id", "tickets", "SET NULL", null=True),
        schema.moment("offered_at"),
        schema.moment("answered_at", null=True),
        unique=[("chat_id", "message_id")],
        indexes=[("user_id",)],
    )


def downgrade() -> None:
    schema.drop_tables("ticket_offers", "ticket_events", "tickets")
    schema.drop_columns("people", "desk_staff_by")
    schema.drop_columns("groups", "is_desk")
