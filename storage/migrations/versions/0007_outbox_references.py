"""Outbox rows say what they are about in columns (feature, ref_id) instead of a topic string;
sent_messages maps a message the bot sent to what it is about.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import schema

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the old keys and topics held: notice:12 (topic), deadline:12:at:… (key).
_OLD_PREFIXES = (("notice:", "notices"), ("deadline:", "deadlines"))


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("feature", sa.String(32), nullable=True))
        batch.add_column(sa.Column("ref_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(16), nullable=True))
    connection = op.get_bind()
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("key", sa.String),
        sa.column("topic", sa.String),
        sa.column("feature", sa.String),
        sa.column("ref_id", sa.BigInteger),
    )
    rows = connection.execute(sa.select(outbox.c.id, outbox.c.key, outbox.c.topic)).all()
    for row_id, key, topic in rows:
        for prefix, feature in _OLD_PREFIXES:
            source = topic if prefix == "notice:" else key
            if source and source.startswith(prefix):
                number = source.split(":")[1]
                ref = int(number) if number.isascii() and number.isdigit() else None
                connection.execute(
                    outbox.update()
                    .where(outbox.c.id == row_id)
                    .values(feature=feature, ref_id=ref)
                )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_topic")
        batch.drop_column("topic")
        batch.create_index("ix_outbox_feature_ref_id", ["feature", "ref_id"])
    schema.table(
        "sent_messages",
        *schema.message(),
        sa.Column("feature", sa.String(32), nullable=False),
        sa.Column("ref_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=True),
        schema.moment("sent_at"),
        unique=[("chat_id", "message_id")],
        indexes=[("chat_id", "sent_at")],
    )
    # Notices already delivered keep answering to 收到.
    connection.execute(
        sa.text(
            "INSERT INTO sent_messages (chat_id, message_id, feature, ref_id, sent_at) "
            "SELECT chat_id, message_id, feature, ref_id, finished_at FROM outbox "
            "WHERE state = 'sent' AND message_id IS NOT NULL AND feature = 'notices'"
        )
    )


def downgrade() -> None:
    schema.drop_tables("sent_messages")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_feature_ref_id")
        batch.add_column(sa.Column("topic", sa.String(64), nullable=True))
        batch.create_index("ix_outbox_topic", ["topic"])
        batch.drop_column("kind")
        batch.drop_column("ref_id")
        batch.drop_column("feature")
