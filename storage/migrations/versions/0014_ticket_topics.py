"""Forum desks and relayed ticket messages: whether the desk keeps topics (each ticket gets
one), and which copy the bot made of each relayed message (an edit is carried over to it).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("is_forum", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "ticket_relays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("source_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("source_message_id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_key", sa.String(160), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_relays_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_relays")),
        sa.UniqueConstraint(
            "source_chat_id", "source_message_id", name=op.f("uq_ticket_relays_source_chat_id")
        ),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("ticket_relays")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("is_forum")
