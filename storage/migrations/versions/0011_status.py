"""Project status updates: the registry (projects, short names, owners), the updates
(append-only; corrections supersede) and their photos.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrations import schema

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schema.table(
        "status_projects",
        schema.Ref("region_id", "regions", "CASCADE"),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("organisation", sa.String(255), nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("target_yuan", sa.BigInteger(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        *schema.person("created_by", "created_by_name"),
        schema.moment("created_at"),
        *schema.person("updated_by", "updated_by_name"),
        schema.moment("updated_at"),
        sa.Column("latest_update_id", sa.Integer(), nullable=True),
        unique=[("region_id", "name")],
        indexes=[("region_id",)],
    )
    schema.table(
        "status_project_aliases",
        schema.Ref("project_id", "status_projects", "CASCADE"),
        sa.Column("alias", sa.String(64), nullable=False),
        unique=[("project_id", "alias")],
    )
    schema.table(
        "status_project_owners",
        schema.Ref("project_id", "status_projects", "CASCADE"),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        schema.Ref("person_id", "people", "SET NULL", null=True),
        unique=[("project_id", "label")],
        indexes=[("project_id",)],
    )
    schema.table(
        "status_updates",
        schema.Ref("project_id", "status_projects", "CASCADE"),
        sa.Column("raised_yuan", sa.BigInteger(), nullable=True),
        sa.Column("target_yuan", sa.BigInteger(), nullable=True),
        sa.Column("donations", sa.BigInteger(), nullable=True),
        sa.Column("beneficiaries", sa.BigInteger(), nullable=True),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        *schema.person("reporter_id", "reporter_name"),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        schema.moment("reported_at"),
        schema.moment("created_at"),
        schema.Ref("supersedes_id", "status_updates", "CASCADE", null=True),
        sa.Column("root_id", sa.Integer(), nullable=True),
        sa.Column("media_group", sa.String(64), nullable=True),
        unique=[("supersedes_id",)],
    )
    schema.table(
        "status_update_photos",
        schema.Ref("update_id", "status_updates", "CASCADE"),
        sa.Column("file_id", sa.String(255), nullable=False),
        unique=[("update_id", "file_id")],
    )
    schema.table(
        "status_pending",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        schema.Ref("region_id", "regions", "CASCADE", null=True),
        schema.Ref("project_id", "status_projects", "CASCADE", null=True),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("photos", sa.Text(), nullable=False),
        schema.moment("created_at"),
        schema.moment("done_at", null=True),
        indexes=[("user_id",)],
    )
    # one report per message: the first version of each report (corrections have no message)
    schema.unique_where(
        "uq_status_updates_message",
        "status_updates",
        ["chat_id", "message_id"],
        "supersedes_id IS NULL AND message_id IS NOT NULL",
    )
    op.create_index(
        "ix_status_updates_project_reported",
        "status_updates",
        ["project_id", "reported_at", "id"],
    )


def downgrade() -> None:
    schema.drop_tables(
        "status_pending",
        "status_update_photos",
        "status_updates",
        "status_project_owners",
        "status_project_aliases",
        "status_projects",
    )
