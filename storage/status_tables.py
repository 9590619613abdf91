"""The tables of project status updates (see ``storage.status`` for the repository): the
registry of projects (with owners and short names) and the updates reported on them,
append-only, with their photos; and the read models the repository returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Model, UtcDateTime
from storage.directory import Region
from storage.versions import VersionCounter

DOMAINS = (
    "敬老爱老",
    "儿童关爱",
    "扶弱济困",
    "乡村发展",
    "社区治理",
    "生态环保",
    "慈善文化",
    "其他类",
)
# The figures an update carries (and a correction may change).
FIGURES = ("raised_yuan", "target_yuan", "donations", "beneficiaries", "percent", "stage")


class StatusProject(Model):
    """A registered fundraising project of one region. Never deleted: archived."""

    __tablename__ = "status_projects"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    region_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(128))
    organisation: Mapped[str] = mapped_column(String(255), default="")
    domain: Mapped[str] = mapped_column(String(16))  # one of DOMAINS
    target_yuan: Mapped[int | None] = mapped_column(BigInteger)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(BigInteger)  # Telegram user id
    created_by_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[int] = mapped_column(BigInteger)  # the last edit (or the creation)
    updated_by_name: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # The effective head of the most recently reported update (no FK: the two tables point at
    # each other; updates are never deleted, so the pointer cannot dangle).
    latest_update_id: Mapped[int | None] = mapped_column(Integer)
    # That update's figures, copied when the pointer moves (``point_to``): the latest figures
    # of every project are then read from this table alone. Joined to the updates instead, the
    # province's 2,000 projects cost 2,000 scattered row reads (50 ms at 1,000,000 updates).
    latest_raised_yuan: Mapped[int | None] = mapped_column(BigInteger)
    latest_target_yuan: Mapped[int | None] = mapped_column(BigInteger)
    latest_donations: Mapped[int | None] = mapped_column(BigInteger)
    latest_beneficiaries: Mapped[int | None] = mapped_column(BigInteger)
    latest_percent: Mapped[float | None] = mapped_column(Float)
    latest_stage: Mapped[str | None] = mapped_column(String(16))
    latest_reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    latest_reporter_name: Mapped[str | None] = mapped_column(String(255))

    region: Mapped[Region] = relationship(lazy="joined")
    aliases: Mapped[list[StatusAlias]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StatusAlias.id"
    )
    owners: Mapped[list[StatusOwner]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StatusOwner.id"
    )

    @property
    def short_names(self) -> list[str]:
        return [alias.alias for alias in self.aliases]

    def point_to(self, record: StatusRecord) -> None:
        """Make ``record`` the project's latest update, with a copy of its figures."""
        self.latest_update_id = record.id
        for name in FIGURES:
            setattr(self, f"latest_{name}", getattr(record, name))
        self.latest_reported_at = record.reported_at
        self.latest_reporter_name = record.reporter_name

    def latest_copy(self) -> StatusRecord | None:
        """The latest update as far as the copy of its figures tells (no text, no chain),
        never added to a session; None before the first update."""
        if self.latest_update_id is None or self.latest_reported_at is None:
            return None
        figures = {name: getattr(self, f"latest_{name}") for name in FIGURES}
        return StatusRecord(
            id=self.latest_update_id, project_id=self.id, reported_at=self.latest_reported_at,
            reporter_name=self.latest_reporter_name or "", **figures,
        )  # fmt: skip


class StatusAlias(Model):
    """A short name people use for a project (阅芽 for 阅芽计划)."""

    __tablename__ = "status_project_aliases"
    __table_args__ = (UniqueConstraint("project_id", "alias"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("status_projects.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64))


LATEST_COLUMNS = frozenset(
    ("latest_update_id", "latest_reported_at", "latest_reporter_name")
).union(f"latest_{name}" for name in FIGURES)
# Moves with every change of the registry (projects and their short names, not their latest
# figures): the index of project names is rebuilt when it does.
REGISTRY = VersionCounter(
    "status_registry", (StatusProject, StatusAlias), {StatusProject: LATEST_COLUMNS}
)


class StatusOwner(Model):
    """A person responsible for a project: a known person, or an @username / name as written
    in the registry (matched to the person once the bot has seen them)."""

    __tablename__ = "status_project_owners"
    __table_args__ = (UniqueConstraint("project_id", "label"),)

    project_id: Mapped[int] = mapped_column(
        ForeignKey("status_projects.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(255))  # as written: @li_luzhou, 李会长
    username: Mapped[str | None] = mapped_column(String(64))  # lower case, without @
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class StatusRecord(Model):
    """One status update, as reported, or a correction of one (``supersedes_id``)."""

    __tablename__ = "status_updates"
    __table_args__ = (
        UniqueConstraint("supersedes_id"),
        # One report per message; corrections repeat the chat and message of their trigger.
        Index(
            "uq_status_updates_message",
            "chat_id",
            "message_id",
            unique=True,
            sqlite_where=text("supersedes_id IS NULL AND message_id IS NOT NULL"),
            postgresql_where=text("supersedes_id IS NULL AND message_id IS NOT NULL"),
        ),
        Index("ix_status_updates_project_reported", "project_id", "reported_at", "id"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("status_projects.id", ondelete="CASCADE"))
    raised_yuan: Mapped[int | None] = mapped_column(BigInteger)
    target_yuan: Mapped[int | None] = mapped_column(BigInteger)
    donations: Mapped[int | None] = mapped_column(BigInteger)
    beneficiaries: Mapped[int | None] = mapped_column(BigInteger)
    percent: Mapped[float | None] = mapped_column(Float)
    stage: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # the original message (a correction: the report's)
    source: Mapped[str] = mapped_column(String(16))  # tag, command, private, correction
    reporter_id: Mapped[int] = mapped_column(BigInteger)  # who wrote this row (the corrector)
    reporter_name: Mapped[str] = mapped_column(String(255))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime())  # of the report it stands for
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())  # when this row was written
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_updates.id", ondelete="CASCADE")
    )
    root_id: Mapped[int | None] = mapped_column(Integer)  # the original report of a correction
    media_group: Mapped[str | None] = mapped_column(String(64))  # an album's later photos

    def figures(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIGURES}

    @property
    def chain_key(self) -> tuple[datetime, int]:
        """The order of reports: a correction takes its original report's place."""
        return (self.reported_at, self.root_id or self.id)


class StatusPhoto(Model):
    """A photo sent with an update (its Telegram file id)."""

    __tablename__ = "status_update_photos"
    __table_args__ = (UniqueConstraint("update_id", "file_id"),)

    update_id: Mapped[int] = mapped_column(ForeignKey("status_updates.id", ondelete="CASCADE"))
    file_id: Mapped[str] = mapped_column(String(255))


class StatusPending(Model):
    """Something begun and not yet finished: an update waiting for its project to be picked
    (您是指), a step-by-step update in a private chat, an import waiting for 确认导入.
    ``payload``: the message text, or the import's rows as JSON."""

    __tablename__ = "status_pending"

    kind: Mapped[str] = mapped_column(String(16))  # pick, private, import
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the message it started from
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_projects.id", ondelete="CASCADE")
    )
    stage: Mapped[str | None] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text, default="")
    photos: Mapped[str] = mapped_column(Text, default="")  # file ids, one a line
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class ProjectFigures:
    """A project with its latest effective update (``update_id`` None: never reported)."""

    project_id: int
    name: str
    organisation: str
    region_id: int
    region: str  # short name: 泸州
    region_position: int
    domain: str
    registry_target_yuan: int | None
    update_id: int | None
    raised_yuan: int | None
    update_target_yuan: int | None
    donations: int | None
    beneficiaries: int | None
    percent: float | None
    stage: str | None
    reported_at: datetime | None
    reporter_name: str | None

    @property
    def target_yuan(self) -> int | None:
        """The target the last update stated, else the registry's."""
        return self.update_target_yuan if self.update_target_yuan else self.registry_target_yuan


@dataclass(frozen=True)
class OwnerView:
    label: str
    user_id: int | None  # None until the bot has seen the person


@dataclass(frozen=True)
class HistoryRow:
    """One update row as an export lists it."""

    update_id: int
    region: str
    project: str
    reported_at: datetime
    created_at: datetime
    raised_yuan: int | None
    target_yuan: int | None
    donations: int | None
    beneficiaries: int | None
    percent: float | None
    stage: str | None
    source: str  # tag, command, private, correction
    reporter_name: str
    supersedes_id: int | None
    photos: int
    text: str


@dataclass(frozen=True)
class RegionTotals:
    """A region's active projects added up (amounts and donations as far as reported)."""

    region_id: int
    projects: int
    raised: int
    target: int  # each project's latest stated target, else the registry's
    donations: int
    reported: int  # projects with at least one update
    stale: int  # projects with no update since the moment asked (or none ever)
