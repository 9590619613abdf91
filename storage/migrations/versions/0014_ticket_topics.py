"""Forum desks and relayed ticket messages: whether the desk keeps topics (each ticket gets
one), and which copy the bot made of each relayed message (an edit is carried over to it).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import schema

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema.add_flag("groups", "is_forum", default=False)
    schema.table(
        "ticket_relays",
        schema.Ref("ticket_id", "tickets", "CASCADE"),
        *schema.message("source_"),
        sa.Column("delivery_key", sa.String(160), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        unique=[("source_chat_id", "source_message_id")],
    )


def downgrade() -> None:
    op.drop_table("ticket_relays")
    schema.drop_columns("groups", "is_forum")
