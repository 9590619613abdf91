"""Foundation: regions (seeded), groups, people, coordinator grants, processed updates.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import schema
from storage.region_data import REGIONS, aliases_of

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    regions = schema.table(
        "regions",
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("full_name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        unique=[("code",), ("name",)],
    )
    aliases = schema.table(
        "region_aliases",
        schema.Ref("region_id", "regions", "CASCADE"),
        sa.Column("alias", sa.String(64), nullable=False),
        unique=[("alias",)],
    )
    schema.table(
        "groups",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        schema.Ref("region_id", "regions", "SET NULL", null=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bound_by", sa.BigInteger(), nullable=True),
        schema.moment("bound_at", null=True),
        sa.Column("bot_is_admin", sa.Boolean(), nullable=False),
        schema.moment("privacy_warned_at", null=True),
        schema.moment("joined_at"),
        schema.moment("left_at", null=True),
        sa.Column("previous_chat_id", sa.BigInteger(), nullable=True),
        unique=[("chat_id",)],
        indexes=[("region_id",)],
    )
    schema.table(
        "people",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=False),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        schema.moment("last_seen_at"),
        unique=[("user_id",)],
        indexes=[("username",)],
    )
    schema.table(
        "coordinator_grants",
        schema.Ref("person_id", "people", "CASCADE"),
        schema.Ref("region_id", "regions", "CASCADE"),
        sa.Column("granted_by", sa.BigInteger(), nullable=False),
        schema.moment("granted_at"),
        unique=[("person_id", "region_id")],
    )
    schema.table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        schema.moment("processed_at"),
        unique=[("update_id", "fingerprint")],
        indexes=[("processed_at",)],
    )

    region_rows, alias_rows = [], []
    for position, (code, name, full_name, extra) in enumerate(REGIONS, start=1):
        region_rows.append(
            {
                "id": position,
                "code": code,
                "name": name,
                "full_name": full_name,
                "position": position,
            }
        )
        alias_rows += [
            {"region_id": position, "alias": alias}
            for alias in aliases_of(code, name, full_name, extra)
        ]
    op.bulk_insert(regions, region_rows)
    op.bulk_insert(aliases, alias_rows)


def downgrade() -> None:
    schema.drop_tables(
        "processed_updates", "coordinator_grants", "people", "groups", "region_aliases", "regions"
    )
