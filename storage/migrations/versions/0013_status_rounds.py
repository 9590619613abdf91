"""Collection rounds of project status: each region's schedule and its rounds.

Revision ID: 0013
Revises: 0011 (the lead re-chains it after the other status migrations at merge)
Create Date: 2026-12-07 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CURRENT = "ended_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "status_round_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("start_phrase", sa.String(64), nullable=False),
        sa.Column("close_phrase", sa.String(64), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        sa.Column("set_by_name", sa.String(255), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"],
            name=op.f("fk_status_round_settings_region_id_regions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"],
            name=op.f("fk_status_round_settings_group_id_groups"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_round_settings")),
        sa.UniqueConstraint("region_id", name=op.f("uq_status_round_settings_region_id")),
    )  # fmt: skip
    op.create_table(
        "status_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nudges", sa.JSON(), nullable=False),
        sa.Column("moved_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("nudged", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"],
            name=op.f("fk_status_rounds_region_id_regions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["groups.id"],
            name=op.f("fk_status_rounds_group_id_groups"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_rounds")),
    )  # fmt: skip
    op.create_index("ix_status_rounds_next_at", "status_rounds", ["next_at"])
    op.create_index(
        "uq_status_rounds_current", "status_rounds", ["region_id"], unique=True,
        sqlite_where=sa.text(_CURRENT), postgresql_where=sa.text(_CURRENT),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_status_rounds_current", table_name="status_rounds")
    op.drop_index("ix_status_rounds_next_at", table_name="status_rounds")
    op.drop_table("status_rounds")
    op.drop_table("status_round_settings")
