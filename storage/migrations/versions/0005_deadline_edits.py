"""Far-off deadlines awaiting confirmation, repeating deadlines, workday-only reminders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import schema

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deadlines") as batch:
        batch.add_column(
            sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("recurrence", sa.JSON(), nullable=True))
    schema.add_flag("groups", "workdays_only", default=False)


def downgrade() -> None:
    schema.drop_columns("groups", "workdays_only")
    schema.drop_columns("deadlines", "recurrence", "confirmed")
