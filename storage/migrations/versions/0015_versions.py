"""Version counters in one table, a row each: the directory's (moved from
``directory_version``) and the project registry's (projects and their short names), so that
the in-memory index of project names knows when it is stale with one read by primary key.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_versions"),
    )
    op.execute(
        "INSERT INTO versions (name, version) "
        "SELECT 'directory', version FROM directory_version WHERE id = 1"
    )
    op.execute("INSERT INTO versions (name, version) VALUES ('status_registry', 0)")
    op.drop_table("directory_version")


def downgrade() -> None:
    directory = op.create_table(
        "directory_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_directory_version"),
    )
    op.bulk_insert(directory, [{"id": 1, "version": 0}])
    op.execute(
        "UPDATE directory_version SET version = "
        "(SELECT version FROM versions WHERE name = 'directory')"
    )
    op.drop_table("versions")
