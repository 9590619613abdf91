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
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from storage.base import added, by_id, insert_if_new, insert_new
from storage.status_reads import StatusReads
from storage.status_tables import (
    FIGURES,
    LATEST_COLUMNS,
    StatusAlias,
    StatusOwner,
    StatusPending,
    StatusPhoto,
    StatusProject,
    StatusRecord,
)


class StatusRepository(StatusReads):
    """The registry and the updates: writing here, reading in ``StatusReads``."""

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
        media_group: str | None = None,
    ) -> StatusRecord | None:
        """Append an update (``figures``: any of FIGURES); None if that message was already
        recorded. Locks the project's row to move its latest pointer (unless ``get_project``
        locked it in this transaction: then ``project`` is current)."""
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
            "media_group": media_group,
        }
        if message_id is not None and await self.from_message(chat_id, message_id) is not None:
            return None
        if project.id not in self._locked:  # the pointer as it stands, its row locked
            await self._session.refresh(project, LATEST_COLUMNS, with_for_update=True)
            self._locked.add(project.id)
        latest_id, latest_at = project.latest_update_id, project.latest_reported_at
        latest = project.latest_copy()
        record = StatusRecord(**values)
        self._session.add(record)
        await self._session.flush()
        await self.add_photos(record.id, photos)
        if latest_id is not None and (latest_at is None or latest_at >= now):
            # Not plainly newer (a report of the same moment): order the two by their chains.
            latest = await self.get_update(latest_id)
        if latest is None or latest.chain_key <= record.chain_key:
            project.point_to(record)
            if latest is not None:  # the effective head of the newest chain before this one
                self._previous[record.id] = latest
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
            project.point_to(correction)
        return correction

    async def add_photos(self, update_id: int, file_ids: Iterable[str]) -> None:
        """Keep photos of an update (an album's later photos come as their own messages)."""
        rows = [{"update_id": update_id, "file_id": f} for f in dict.fromkeys(file_ids)]
        await insert_new(self._session, StatusPhoto, ("update_id", "file_id"), rows)

    # --- things begun and not finished --------------------------------------------------

    async def hold(self, pending: StatusPending) -> StatusPending:
        return await added(self._session, pending)

    async def get_pending(self, pending_id: int, *, lock: bool = False) -> StatusPending | None:
        return await by_id(self._session, StatusPending, pending_id, lock=lock)

    async def open_pending(
        self, kind: str, user_id: int, chat_id: int | None, since: datetime
    ) -> StatusPending | None:
        """The person's newest unfinished ``kind`` (in that chat, if given) begun since then."""
        query = select(StatusPending).where(
            StatusPending.user_id == user_id,
            StatusPending.kind == kind,
            StatusPending.done_at.is_(None),
            StatusPending.created_at >= since,
        )
        if chat_id is not None:
            query = query.where(StatusPending.chat_id == chat_id)
        return await self._session.scalar(query.order_by(StatusPending.id.desc()).limit(1))

    async def close_pending(self, kind: str, user_id: int, now: datetime) -> None:
        """Finish every open ``kind`` of the person (a new one begins)."""
        await self._session.execute(
            update(StatusPending)
            .where(
                StatusPending.user_id == user_id,
                StatusPending.kind == kind,
                StatusPending.done_at.is_(None),
            )
            .values(done_at=now)
        )

    async def from_album(self, chat_id: int, media_group: str) -> StatusRecord | None:
        """The report an album's first photo carried (its later photos come on their own)."""
        query = select(StatusRecord).where(
            StatusRecord.chat_id == chat_id,
            StatusRecord.media_group == media_group,
            StatusRecord.supersedes_id.is_(None),
        )
        return await self._session.scalar(query.limit(1))
