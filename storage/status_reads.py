"""Reading project status: the registry, the latest figures of every project (one query per
region or for all, from the copy each project keeps of its latest update), a project's history, the
update before another (for "change since last"), photos and owners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, joinedload, raiseload

from storage.directory import Person, Region
from storage.status_tables import (
    REGISTRY,
    HistoryRow,
    OwnerView,
    ProjectFigures,
    RegionTotals,
    StatusOwner,
    StatusPhoto,
    StatusProject,
    StatusRecord,
)


class StatusReads:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # A report's previous update, known when it was recorded (``record_update``).
        self._previous: dict[int, StatusRecord] = {}
        self._locked: set[int] = set()  # projects read with their row locked (current)

    async def get_project(
        self, project_id: int, *, lock: bool = False, names: bool = True
    ) -> StatusProject | None:
        """The project with its region; ``names=False``: without its and its region's short
        names and its owners (three queries fewer; reading them then raises)."""
        query = select(StatusProject).where(StatusProject.id == project_id)
        if not names:
            unloaded = raiseload(StatusProject.aliases), raiseload(StatusProject.owners)
            region_only = joinedload(StatusProject.region).raiseload(Region.aliases)
            query = query.options(*unloaded, region_only)
        if lock:
            query = query.with_for_update(of=StatusProject)
            query = query.execution_options(populate_existing=True)
            self._locked.add(project_id)
        return await self._session.scalar(query)

    async def registry_version(self) -> int | None:
        """The registry's version as this transaction sees it (``REGISTRY``)."""
        return await REGISTRY.read(self._session)

    def changed_registry(self) -> bool:
        """Whether this transaction changed the registry (not yet committed)."""
        return REGISTRY.wrote(self._session)

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

    async def projects_of_owner(self, user_id: int) -> list[StatusProject]:
        """The active projects this person owns (by their person row or their username)."""
        person = await self._session.scalar(select(Person).where(Person.user_id == user_id))
        if person is None:
            return []
        mine = StatusOwner.person_id == person.id
        if person.username:
            mine = or_(mine, StatusOwner.username == person.username)
        query = (
            select(StatusProject)
            .join(StatusOwner, StatusOwner.project_id == StatusProject.id)
            .where(mine, StatusProject.archived.is_(False))
            .order_by(StatusProject.name)
        )
        return list((await self._session.scalars(query)).unique().all())

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
        if (known := self._previous.get(record.id)) is not None:
            return known
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

    async def history_rows(
        self, region_id: int | None, limit: int | None = None
    ) -> list[HistoryRow]:
        """Every update row of a region's projects (or of all regions: None), corrections and
        superseded rows too, oldest first, as plain rows (an export's history, fast at scale);
        with ``limit``, only the newest ``limit`` rows (a correction is newer than the row it
        replaces, so both are in or both out)."""
        u, p, r = StatusRecord, StatusProject, Region
        photos = (
            select(StatusPhoto.update_id, func.count().label("n"))
            .group_by(StatusPhoto.update_id)
            .subquery()
        )
        query = (
            select(
                u.id, r.name, p.name, u.reported_at, u.created_at, u.raised_yuan, u.target_yuan,
                u.donations, u.beneficiaries, u.percent, u.stage, u.source, u.reporter_name,
                u.supersedes_id, func.coalesce(photos.c.n, 0), u.text,
            )
            .join(p, p.id == u.project_id)
            .join(r, r.id == p.region_id)
            .outerjoin(photos, photos.c.update_id == u.id)
            .order_by(u.id.desc())
        )  # fmt: skip
        if region_id is not None:
            query = query.where(p.region_id == region_id)
        rows = await self._session.execute(query.limit(limit))
        return [HistoryRow(*row) for row in reversed(rows.all())]

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

    async def latest_of(self, project_id: int) -> ProjectFigures | None:
        """One project (archived or not) with its latest update."""
        found = await self._latest(StatusProject.id == project_id, archived_too=True)
        return found[0] if found else None

    async def region_totals(self, stale_before: datetime) -> list[RegionTotals]:
        """Each region's totals over its active projects (one aggregate query: the province's
        report reads 21 rows, not 2,000)."""
        p = StatusProject
        stale = or_(p.latest_reported_at.is_(None), p.latest_reported_at < stale_before)
        target = func.coalesce(func.nullif(p.latest_target_yuan, 0), p.target_yuan, 0)
        query = (
            select(
                p.region_id, func.count(), func.sum(func.coalesce(p.latest_raised_yuan, 0)),
                func.sum(target), func.sum(func.coalesce(p.latest_donations, 0)),
                func.count(p.latest_update_id), func.sum(case((stale, 1), else_=0)),
            )
            .where(p.archived.is_(False))
            .group_by(p.region_id)
        )  # fmt: skip
        rows = await self._session.execute(query)
        return [RegionTotals(*(int(value or 0) for value in row)) for row in rows]

    async def _latest(self, condition: Any, archived_too: bool = False) -> list[ProjectFigures]:
        p, r = StatusProject, Region
        query = (
            select(
                p.id, p.name, p.organisation, p.region_id, r.name, r.position, p.domain,
                p.target_yuan, p.latest_update_id, p.latest_raised_yuan, p.latest_target_yuan,
                p.latest_donations, p.latest_beneficiaries, p.latest_percent, p.latest_stage,
                p.latest_reported_at, p.latest_reporter_name,
            )
            .join(r, r.id == p.region_id)
            .order_by(r.position, p.name)
        )  # fmt: skip
        if not archived_too:
            query = query.where(p.archived.is_(False))
        if condition is not None:
            query = query.where(condition)
        rows = await self._session.execute(query)
        return [ProjectFigures(*row) for row in rows]

    @staticmethod
    def _effective() -> Any:
        newer = aliased(StatusRecord)
        replaced = select(newer.id).where(newer.supersedes_id == StatusRecord.id).exists()
        return select(StatusRecord).where(~replaced)
