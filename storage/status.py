"""Project status updates: the registry of projects (with owners and short names) and the
updates reported on them, append-only, with their photos.

An update row is never changed or deleted. A correction is a new row whose ``supersedes_id``
names the row it corrects (unique, so corrections form one chain per report); a row is
*effective* when no row supersedes it. Each project keeps ``latest_update_id``, the effective
head of its most recently reported chain, maintained on every insert under the project's row
lock, so "the latest figures of every project" is one join, not a scan of the updates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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
    and_,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from storage.base import Base, UtcDateTime, insert_if_new, insert_new
from storage.directory import Person, Region

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


class StatusProject(Base):
    """A registered fundraising project of one region. Never deleted: archived."""

    __tablename__ = "status_projects"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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


class StatusAlias(Base):
    """A short name people use for a project (阅芽 for 阅芽计划)."""

    __tablename__ = "status_project_aliases"
    __table_args__ = (UniqueConstraint("project_id", "alias"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("status_projects.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64))


class StatusOwner(Base):
    """A person responsible for a project: a known person, or an @username / name as written
    in the registry (matched to the person once the bot has seen them)."""

    __tablename__ = "status_project_owners"
    __table_args__ = (UniqueConstraint("project_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("status_projects.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(String(255))  # as written: @li_luzhou, 李会长
    username: Mapped[str | None] = mapped_column(String(64))  # lower case, without @
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))


class StatusRecord(Base):
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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

    def figures(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIGURES}

    @property
    def chain_key(self) -> tuple[datetime, int]:
        """The order of reports: a correction takes its original report's place."""
        return (self.reported_at, self.root_id or self.id)


class StatusPhoto(Base):
    """A photo sent with an update (its Telegram file id)."""

    __tablename__ = "status_update_photos"
    __table_args__ = (UniqueConstraint("update_id", "file_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("status_updates.id", ondelete="CASCADE"))
    file_id: Mapped[str] = mapped_column(String(255))


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


class StatusRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- the registry --------------------------------------------------------------------

    async def add_project(
        self,
        region_id: int,
        name: str,
        domain: str,
        *,
        organisation: str = "",
        target_yuan: int | None = None,
        aliases: Iterable[str] = (),
        owners: Iterable[tuple[str, str | None, int | None]] = (),
        by: int,
        by_name: str,
        now: datetime,
    ) -> StatusProject | None:
        """Register a project; None if the region already has a project of that name.
        ``owners``: (label, username or None, people.id or None)."""
        values = {
            "region_id": region_id,
            "name": name,
            "organisation": organisation,
            "domain": domain,
            "target_yuan": target_yuan,
            "archived": False,
            "created_by": by,
            "created_by_name": by_name[:255],
            "created_at": now,
            "updated_by": by,
            "updated_by_name": by_name[:255],
            "updated_at": now,
        }
        if not await insert_if_new(self._session, StatusProject, ("region_id", "name"), values):
            return None
        project = await self.project_by_name(region_id, name)
        assert project is not None
        await self._add_names(project.id, aliases, owners)
        await self._session.refresh(project, ["aliases", "owners"])
        return project

    async def _add_names(
        self,
        project_id: int,
        aliases: Iterable[str],
        owners: Iterable[tuple[str, str | None, int | None]],
    ) -> None:
        alias_rows = [{"project_id": project_id, "alias": a} for a in dict.fromkeys(aliases)]
        await insert_new(self._session, StatusAlias, ("project_id", "alias"), alias_rows)
        owner_rows = [
            {"project_id": project_id, "label": label, "username": username, "person_id": person}
            for label, username, person in owners
        ]
        await insert_new(self._session, StatusOwner, ("project_id", "label"), owner_rows)

    async def edit_project(
        self,
        project: StatusProject,
        changes: Mapping[str, Any],
        *,
        by: int,
        by_name: str,
        now: datetime,
    ) -> None:
        """Change a project's fields (name, organisation, domain, target_yuan, archived);
        ``aliases`` and ``owners`` in ``changes`` replace the lists (same shapes as
        ``add_project``)."""
        for key, value in changes.items():
            if key not in ("aliases", "owners"):
                setattr(project, key, value)
        if "aliases" in changes:
            project.aliases.clear()
        if "owners" in changes:
            project.owners.clear()
        project.updated_by, project.updated_by_name, project.updated_at = by, by_name[:255], now
        await self._session.flush()
        await self._add_names(project.id, changes.get("aliases", ()), changes.get("owners", ()))
        await self._session.refresh(project, ["aliases", "owners"])

    async def archive_project(
        self,
        project: StatusProject,
        *,
        by: int,
        by_name: str,
        now: datetime,
        archived: bool = True,
    ) -> None:
        await self.edit_project(project, {"archived": archived}, by=by, by_name=by_name, now=now)

    async def get_project(self, project_id: int, *, lock: bool = False) -> StatusProject | None:
        query = select(StatusProject).where(StatusProject.id == project_id)
        if lock:
            query = query.with_for_update(of=StatusProject)
        return await self._session.scalar(query)

    async def project_by_name(self, region_id: int, name: str) -> StatusProject | None:
        query = select(StatusProject).where(
            StatusProject.region_id == region_id, StatusProject.name == name
        )
        return await self._session.scalar(query)

    async def projects_in_region(
        self, region_id: int, *, include_archived: bool = False
    ) -> list[StatusProject]:
        """The region's projects (with short names and owners), by name."""
        query = select(StatusProject).where(StatusProject.region_id == region_id)
        if not include_archived:
            query = query.where(StatusProject.archived.is_(False))
        return list((await self._session.scalars(query.order_by(StatusProject.name))).all())

    async def all_projects(self, *, include_archived: bool = False) -> list[StatusProject]:
        query = select(StatusProject).join(Region, Region.id == StatusProject.region_id)
        if not include_archived:
            query = query.where(StatusProject.archived.is_(False))
        query = query.order_by(Region.position, StatusProject.name)
        return list((await self._session.scalars(query)).all())

    async def owners_of(self, project_ids: Sequence[int]) -> dict[int, list[OwnerView]]:
        """Each project's owners, with the Telegram user id of those the bot knows."""
        person = aliased(Person)
        by_name = aliased(Person)
        query = (
            select(StatusOwner.project_id, StatusOwner.label, person.user_id, by_name.user_id)
            .outerjoin(person, person.id == StatusOwner.person_id)
            .outerjoin(by_name, by_name.username == StatusOwner.username)
            .where(StatusOwner.project_id.in_(project_ids))
            .order_by(StatusOwner.id)
        )
        owners: dict[int, list[OwnerView]] = {pid: [] for pid in project_ids}
        for project_id, label, user_id, user_by_name in await self._session.execute(query):
            owners[project_id].append(OwnerView(label, user_id or user_by_name))
        return owners

    # --- updates ---------------------------------------------------------------------------

    async def record_update(
        self,
        project: StatusProject,
        figures: Mapping[str, Any],
        *,
        text: str,
        source: str,
        reporter_id: int,
        reporter_name: str,
        chat_id: int,
        message_id: int | None,
        now: datetime,
        photos: Sequence[str] = (),
    ) -> StatusRecord | None:
        """Append an update (``figures``: any of FIGURES); None if that message was already
        recorded. Locks the project's row to move its latest pointer."""
        values = {name: figures.get(name) for name in FIGURES} | {
            "project_id": project.id,
            "text": text,
            "source": source,
            "reporter_id": reporter_id,
            "reporter_name": reporter_name[:255],
            "chat_id": chat_id,
            "message_id": message_id,
            "reported_at": now,
            "created_at": now,
        }
        if message_id is not None and await self.from_message(chat_id, message_id) is not None:
            return None
        locked = await self.get_project(project.id, lock=True)
        assert locked is not None
        record = StatusRecord(**values)
        self._session.add(record)
        await self._session.flush()
        await self.add_photos(record.id, photos)
        latest = (
            await self.get_update(locked.latest_update_id) if locked.latest_update_id else None
        )
        if latest is None or latest.chain_key <= record.chain_key:
            locked.latest_update_id = record.id
        return record

    async def correct_update(
        self,
        record: StatusRecord,
        changes: Mapping[str, Any],
        *,
        by: int,
        by_name: str,
        now: datetime,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> StatusRecord | None:
        """Append a correction of ``record`` (its figures with ``changes``), which supersedes
        it; None if ``record`` is already superseded (correct ``effective(record)`` instead).
        The correction keeps the report's text, time and photos; it records who and when."""
        project = await self.get_project(record.project_id, lock=True)
        assert project is not None
        values = record.figures() | {k: v for k, v in changes.items() if k in FIGURES}
        values |= {
            "project_id": record.project_id,
            "text": record.text,
            "source": "correction",
            "reporter_id": by,
            "reporter_name": by_name[:255],
            "chat_id": record.chat_id if chat_id is None else chat_id,
            "message_id": record.message_id if message_id is None else message_id,
            "reported_at": record.reported_at,
            "created_at": now,
            "supersedes_id": record.id,
            "root_id": record.root_id or record.id,
        }
        if not await insert_if_new(self._session, StatusRecord, "supersedes_id", values):
            return None
        correction = await self._session.scalar(
            select(StatusRecord).where(StatusRecord.supersedes_id == record.id)
        )
        assert correction is not None
        photos = await self.photos_of([record.id])
        await self.add_photos(correction.id, photos.get(record.id, []))
        if project.latest_update_id == record.id:
            project.latest_update_id = correction.id
        return correction

    async def add_photos(self, update_id: int, file_ids: Iterable[str]) -> None:
        """Keep photos of an update (an album's later photos come as their own messages)."""
        rows = [{"update_id": update_id, "file_id": f} for f in dict.fromkeys(file_ids)]
        await insert_new(self._session, StatusPhoto, ("update_id", "file_id"), rows)

    async def get_update(self, update_id: int) -> StatusRecord | None:
        return await self._session.get(StatusRecord, update_id)

    async def from_message(self, chat_id: int, message_id: int) -> StatusRecord | None:
        """The report recorded from this message (not a correction), if any."""
        query = select(StatusRecord).where(
            StatusRecord.chat_id == chat_id,
            StatusRecord.message_id == message_id,
            StatusRecord.supersedes_id.is_(None),
        )
        return await self._session.scalar(query)

    async def effective(self, record: StatusRecord) -> StatusRecord:
        """The newest correction of ``record`` (``record`` itself if none)."""
        while True:
            newer = await self._session.scalar(
                select(StatusRecord).where(StatusRecord.supersedes_id == record.id)
            )
            if newer is None:
                return record
            record = newer

    async def previous_update(self, record: StatusRecord) -> StatusRecord | None:
        """The effective update of the same project reported just before ``record`` (for the
        change since the last update)."""
        reported_at, key = record.chain_key
        chain = func.coalesce(StatusRecord.root_id, StatusRecord.id)
        query = (
            self._effective()
            .where(
                StatusRecord.project_id == record.project_id,
                or_(
                    StatusRecord.reported_at < reported_at,
                    and_(StatusRecord.reported_at == reported_at, chain < key),
                ),
            )
            .order_by(StatusRecord.reported_at.desc(), chain.desc())
            .limit(1)
        )
        return await self._session.scalar(query)

    async def history(
        self, project_id: int, *, include_superseded: bool = False, limit: int | None = None
    ) -> list[StatusRecord]:
        """A project's updates, newest report first (with corrections and what they replaced
        when ``include_superseded``, each correction before the row it replaced)."""
        base = select(StatusRecord) if include_superseded else self._effective()
        query = base.where(StatusRecord.project_id == project_id).order_by(
            StatusRecord.reported_at.desc(), StatusRecord.id.desc()
        )
        return list((await self._session.scalars(query.limit(limit))).all())

    async def region_history(self, region_id: int | None) -> list[tuple[StatusRecord, str]]:
        """Every update row (corrections and superseded rows too) of a region's projects, or
        of all regions (None), with the project's name, oldest first: an export's history."""
        query = select(StatusRecord, StatusProject.name).join(
            StatusProject, StatusProject.id == StatusRecord.project_id
        )
        if region_id is not None:
            query = query.where(StatusProject.region_id == region_id)
        rows = await self._session.execute(query.order_by(StatusRecord.id))
        return [(record, name) for record, name in rows]

    async def superseded_ids(self, update_ids: Sequence[int]) -> set[int]:
        """Which of these rows a correction replaced."""
        query = select(StatusRecord.supersedes_id).where(
            StatusRecord.supersedes_id.in_(update_ids)
        )
        return {i for i in (await self._session.scalars(query)).all() if i is not None}

    async def photos_of(self, update_ids: Sequence[int]) -> dict[int, list[str]]:
        query = (
            select(StatusPhoto.update_id, StatusPhoto.file_id)
            .where(StatusPhoto.update_id.in_(update_ids))
            .order_by(StatusPhoto.id)
        )
        photos: dict[int, list[str]] = {}
        for update_id, file_id in await self._session.execute(query):
            photos.setdefault(update_id, []).append(file_id)
        return photos

    # --- reading the latest figures --------------------------------------------------------

    async def latest_in_region(self, region_id: int) -> list[ProjectFigures]:
        """Every active project of the region with its latest update, by name (one query)."""
        return await self._latest(StatusProject.region_id == region_id)

    async def latest_all(self) -> list[ProjectFigures]:
        """Every active project of every region with its latest update, by region (in the
        official order) and name (one query)."""
        return await self._latest(None)

    async def _latest(self, condition: Any) -> list[ProjectFigures]:
        p, u, r = StatusProject, StatusRecord, Region
        query = (
            select(
                p.id, p.name, p.organisation, p.region_id, r.name, r.position, p.domain,
                p.target_yuan, u.id, u.raised_yuan, u.target_yuan, u.donations,
                u.beneficiaries, u.percent, u.stage, u.reported_at, u.reporter_name,
            )
            .join(r, r.id == p.region_id)
            .outerjoin(u, u.id == p.latest_update_id)
            .where(p.archived.is_(False))
            .order_by(r.position, p.name)
        )  # fmt: skip
        if condition is not None:
            query = query.where(condition)
        rows = await self._session.execute(query)
        return [ProjectFigures(*row) for row in rows]

    @staticmethod
    def _effective() -> Any:
        newer = aliased(StatusRecord)
        replaced = select(newer.id).where(newer.supersedes_id == StatusRecord.id).exists()
        return select(StatusRecord).where(~replaced)
