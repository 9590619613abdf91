"""Find an outbox delivery by the message it became (a text 收到 replying to a notice).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 19:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_chat_id_message_id", "outbox", ["chat_id", "message_id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_chat_id_message_id", table_name="outbox")
