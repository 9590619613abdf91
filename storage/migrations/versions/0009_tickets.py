"""Platform-problem tickets, their history, the desk group and the desk role.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("is_desk", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("desk_staff_by", sa.BigInteger(), nullable=True))
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("origin_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("origin_message_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_name", sa.String(255), nullable=False),
        sa.Column("filed_by", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("attachment", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by_name", sa.String(255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pinged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_tickets_region_id_regions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"], name=op.f("fk_tickets_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint(
            "origin_chat_id", "origin_message_id", name=op.f("uq_tickets_origin_chat_id")
        ),
    )  # fmt: skip
    op.create_index(op.f("ix_tickets_state"), "tickets", ["state"])
    op.create_index(op.f("ix_tickets_created_at"), "tickets", ["created_at"])
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.BigInteger(), nullable=False),
        sa.Column("by_name", sa.String(255), nullable=False),
        sa.Column("change", sa.String(16), nullable=False),
        sa.Column("before", sa.String(32), nullable=True),
        sa.Column("after", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )  # fmt: skip
    op.create_index(op.f("ix_ticket_events_ticket_id"), "ticket_events", ["ticket_id"])
    op.create_table(
        "ticket_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("attachment", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_offers_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_offers")),
        sa.UniqueConstraint("chat_id", "message_id", name=op.f("uq_ticket_offers_chat_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_ticket_offers_user_id"), "ticket_offers", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_offers_user_id"), table_name="ticket_offers")
    op.drop_table("ticket_offers")
    op.drop_index(op.f("ix_ticket_events_ticket_id"), table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_index(op.f("ix_tickets_created_at"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_state"), table_name="tickets")
    op.drop_table("tickets")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("desk_staff_by")
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("is_desk")
