"""Project status updates: the registry (projects, short names, owners), the updates
(append-only; corrections supersede) and their photos.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ONE_REPORT = "supersedes_id IS NULL AND message_id IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "status_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("organisation", sa.String(255), nullable=False),
        sa.Column("domain", sa.String(16), nullable=False),
        sa.Column("target_yuan", sa.BigInteger(), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_by_name", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.BigInteger(), nullable=False),
        sa.Column("updated_by_name", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest_update_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_status_projects_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_projects")),
        sa.UniqueConstraint("region_id", "name", name=op.f("uq_status_projects_region_id")),
    )  # fmt: skip
    op.create_index(op.f("ix_status_projects_region_id"), "status_projects", ["region_id"])
    op.create_table(
        "status_project_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["status_projects.id"],
            name=op.f("fk_status_project_aliases_project_id_status_projects"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_project_aliases")),
        sa.UniqueConstraint(
            "project_id", "alias", name=op.f("uq_status_project_aliases_project_id")
        ),
    )  # fmt: skip
    op.create_table(
        "status_project_owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["status_projects.id"],
            name=op.f("fk_status_project_owners_project_id_status_projects"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_status_project_owners_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_project_owners")),
        sa.UniqueConstraint("project_id", "label", name=op.f("uq_status_project_owners_project_id")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_status_project_owners_project_id"), "status_project_owners", ["project_id"]
    )
    op.create_table(
        "status_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("raised_yuan", sa.BigInteger(), nullable=True),
        sa.Column("target_yuan", sa.BigInteger(), nullable=True),
        sa.Column("donations", sa.BigInteger(), nullable=True),
        sa.Column("beneficiaries", sa.BigInteger(), nullable=True),
        sa.Column("percent", sa.Float(), nullable=True),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("reporter_name", sa.String(255), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("root_id", sa.Integer(), nullable=True),
        sa.Column("media_group", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["status_projects.id"],
            name=op.f("fk_status_updates_project_id_status_projects"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["status_updates.id"],
            name=op.f("fk_status_updates_supersedes_id_status_updates"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_updates")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_status_updates_supersedes_id")),
    )  # fmt: skip
    op.create_index(
        "uq_status_updates_message", "status_updates", ["chat_id", "message_id"], unique=True,
        sqlite_where=sa.text(_ONE_REPORT), postgresql_where=sa.text(_ONE_REPORT),
    )  # fmt: skip
    op.create_index(
        "ix_status_updates_project_reported",
        "status_updates",
        ["project_id", "reported_at", "id"],
    )
    op.create_table(
        "status_update_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("update_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(255), nullable=False),
        sa.ForeignKeyConstraint(
            ["update_id"], ["status_updates.id"],
            name=op.f("fk_status_update_photos_update_id_status_updates"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_update_photos")),
        sa.UniqueConstraint(
            "update_id", "file_id", name=op.f("uq_status_update_photos_update_id")
        ),
    )  # fmt: skip
    op.create_table(
        "status_pending",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("region_id", sa.Integer(), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("photos", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_id"], ["regions.id"], name=op.f("fk_status_pending_region_id_regions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["status_projects.id"],
            name=op.f("fk_status_pending_project_id_status_projects"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_pending")),
    )  # fmt: skip
    op.create_index(op.f("ix_status_pending_user_id"), "status_pending", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_status_pending_user_id"), table_name="status_pending")
    op.drop_table("status_pending")
    op.drop_table("status_update_photos")
    op.drop_index("ix_status_updates_project_reported", table_name="status_updates")
    op.drop_index("uq_status_updates_message", table_name="status_updates")
    op.drop_table("status_updates")
    op.drop_index(op.f("ix_status_project_owners_project_id"), table_name="status_project_owners")
    op.drop_table("status_project_owners")
    op.drop_table("status_project_aliases")
    op.drop_index(op.f("ix_status_projects_region_id"), table_name="status_projects")
    op.drop_table("status_projects")
