"""Each project keeps a copy of its latest update's figures beside the pointer to it, so that
reports read the latest figures of every project from the projects' table alone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The copied columns: (name on status_projects, column of status_updates, type).
_COPIED = (
    ("latest_raised_yuan", "raised_yuan", sa.BigInteger()),
    ("latest_target_yuan", "target_yuan", sa.BigInteger()),
    ("latest_donations", "donations", sa.BigInteger()),
    ("latest_beneficiaries", "beneficiaries", sa.BigInteger()),
    ("latest_percent", "percent", sa.Float()),
    ("latest_stage", "stage", sa.String(16)),
    ("latest_reported_at", "reported_at", sa.DateTime(timezone=True)),
    ("latest_reporter_name", "reporter_name", sa.String(255)),
)


def upgrade() -> None:
    with op.batch_alter_table("status_projects", schema=None) as batch_op:
        for name, _, kind in _COPIED:
            batch_op.add_column(sa.Column(name, kind, nullable=True))
    copies = ", ".join(
        f"{name} = (SELECT u.{source} FROM status_updates u "
        "WHERE u.id = status_projects.latest_update_id)"
        for name, source, _ in _COPIED
    )
    op.execute(f"UPDATE status_projects SET {copies} WHERE latest_update_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("status_projects", schema=None) as batch_op:
        for name, _, _ in reversed(_COPIED):
            batch_op.drop_column(name)
