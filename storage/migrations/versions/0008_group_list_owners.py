"""Saved group lists belong to their author, or to the provincial admins together; names are
unique per owner. Lists saved before belong to the provincial admins (coordinators no longer
see or change them).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("group_lists") as batch:
        batch.add_column(
            sa.Column("owner", sa.String(32), nullable=False, server_default="province")
        )
        batch.drop_constraint("uq_group_lists_name", type_="unique")
        batch.create_unique_constraint("uq_group_lists_owner", ["owner", "name"])
    with op.batch_alter_table("group_lists") as batch:
        batch.alter_column("owner", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("group_lists") as batch:
        batch.drop_constraint("uq_group_lists_owner", type_="unique")
        batch.create_unique_constraint("uq_group_lists_name", ["name"])
        batch.drop_column("owner")
