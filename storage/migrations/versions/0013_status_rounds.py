"""Collection rounds of project status: each region's schedule and its rounds.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 03:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from storage.migrations import schema

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema.table(
        "status_round_settings",
        schema.Ref("region_id", "regions", "CASCADE"),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("start_phrase", sa.String(64), nullable=False),
        sa.Column("close_phrase", sa.String(64), nullable=False),
        schema.Ref("group_id", "groups", "SET NULL", null=True),
        *schema.person("set_by", "set_by_name"),
        schema.moment("set_at"),
        unique=[("region_id",)],
    )
    schema.table(
        "status_rounds",
        schema.Ref("region_id", "regions", "CASCADE"),
        schema.Ref("group_id", "groups", "SET NULL", null=True),
        sa.Column("set_by", sa.BigInteger(), nullable=False),
        schema.moment("starts_at"),
        schema.moment("closes_at"),
        sa.Column("nudges", sa.JSON(), nullable=False),
        schema.moment("moved_from", null=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("nudged", sa.Integer(), nullable=False),
        schema.moment("next_at", null=True),
        schema.moment("opened_at", null=True),
        schema.moment("ended_at", null=True),
        schema.moment("created_at"),
        indexes=[("next_at",)],
    )
    # one current round (not yet ended) per region
    schema.unique_where(
        "uq_status_rounds_current", "status_rounds", ["region_id"], "ended_at IS NULL"
    )


def downgrade() -> None:
    schema.drop_tables("status_rounds", "status_round_settings")
