"""Foundation: regions (seeded), groups, people, coordinator grants, processed updates.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.region_data import REGIONS, aliases_of

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    regions = op.create_table(
        "regions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("full_name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_regions"),
        sa.UniqueConstraint("code", name="uq_regions_code"),
        sa.UniqueConstraint("name", name="uq_regions_name"),
    )
    aliases = op.create_table(
        "region_aliases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_region_aliases"),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name="fk_region_aliases_region_id_regions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("alias", name="uq_region_aliases_alias"),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bound_by", sa.BigInteger(), nullable=True),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bot_is_admin", sa.Boolean(), nullable=False),
        sa.Column("privacy_warned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("previous_chat_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_groups"),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name="fk_groups_region_id_regions",
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("chat_id", name="uq_groups_chat_id"),
    )
    op.create_index("ix_groups_region_id", "groups", ["region_id"])
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=False),
        sa.Column("last_name", sa.String(255), nullable=True),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
        sa.UniqueConstraint("user_id", name="uq_people_user_id"),
    )
    op.create_index("ix_people_username", "people", ["username"])
    op.create_table(
        "coordinator_grants",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.BigInteger(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_coordinator_grants"),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_coordinator_grants_person_id_people",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["region_id"],
            ["regions.id"],
            name="fk_coordinator_grants_region_id_regions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("person_id", "region_id", name="uq_coordinator_grants_person_id"),
    )
    op.create_table(
        "processed_updates",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_processed_updates"),
        sa.UniqueConstraint("update_id", "fingerprint", name="uq_processed_updates_update_id"),
    )
    op.create_index("ix_processed_updates_processed_at", "processed_updates", ["processed_at"])

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
    for table in (
        "processed_updates",
        "coordinator_grants",
        "people",
        "groups",
        "region_aliases",
        "regions",
    ):
        op.drop_table(table)
