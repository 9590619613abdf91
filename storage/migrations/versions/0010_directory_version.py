"""A version number for the directory (people, groups, grants, regions), bumped by every
transaction that changes it, so that in-memory copies know when they are stale.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import schema

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = schema.table("directory_version", sa.Column("version", sa.Integer(), nullable=False))
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("directory_version")
