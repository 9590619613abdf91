"""Repositories: queries and changes on one session. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from storage.models import CoordinatorGrant, Group, Person, ProcessedUpdate, Region


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: str,
    values: dict[str, Any],
    update_columns: tuple[str, ...] = (),
) -> None:
    """INSERT … ON CONFLICT (key): concurrent first sightings must not race on a unique key."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values)
    if update_columns:
        changes = {column: statement.excluded[column] for column in update_columns}
        statement = statement.on_conflict_do_update(index_elements=[key], set_=changes)
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[key])
    await session.execute(statement)


async def insert_new(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: str | Sequence[str],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Many rows in few statements (INSERT … ON CONFLICT (key) DO NOTHING, 100 at a time):
    rows whose key (a unique column or columns) is already there are left alone."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    columns = [key] if isinstance(key, str) else list(key)
    for start in range(0, len(rows), 100):
        statement = dialect.insert(model).values(list(rows[start : start + 100]))
        await session.execute(statement.on_conflict_do_nothing(index_elements=columns))


class ProcessedUpdates:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, update_id: int, fingerprint: str, now: datetime) -> bool:
        """Record the update as processed; False if it already was (by us or a racing worker).

        The unique constraint decides, inside the update's own transaction: if the handler
        fails, the claim rolls back with it and a re-delivery is processed again.
        """
        try:
            async with self._session.begin_nested():
                self._session.add(
                    ProcessedUpdate(update_id=update_id, fingerprint=fingerprint, processed_at=now)
                )
        except IntegrityError:
            return False
        return True

    async def prune(self, before: datetime) -> int:
        """Forget updates older than Telegram's re-delivery window."""
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class Regions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def all(self) -> Sequence[Region]:
        return (await self._session.scalars(select(Region).order_by(Region.position))).all()

    async def get(self, region_id: int) -> Region | None:
        return await self._session.get(Region, region_id)


class Groups:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def by_chat(self, chat_id: int) -> Group | None:
        return await self._session.scalar(select(Group).where(Group.chat_id == chat_id))

    async def ensure(self, chat_id: int, title: str | None, now: datetime) -> Group:
        """The group row for a chat, created on first sight; the title is kept current."""
        group = await self.by_chat(chat_id)
        if group is None:
            values = {"chat_id": chat_id, "title": title or "", "active": True, "joined_at": now}
            await upsert(self._session, Group, "chat_id", values | {"bot_is_admin": False})
            group = await self.by_chat(chat_id)
            assert group is not None
        if title and group.title != title:
            group.title = title
        return group

    async def migrate(self, old_chat_id: int, new_chat_id: int) -> Group | None:
        """Move a group to its supergroup id, keeping its row (and so binding and history).

        Telegram sends the news to both chats, in either order; a row already created for the
        new id by an earlier update is merged away if it holds nothing of its own.
        """
        old = await self.by_chat(old_chat_id)
        new = await self.by_chat(new_chat_id)
        if old is None:
            return new
        if new is not None:
            if new.region_id is not None and old.region_id is None:
                old.region_id, old.bound_by, old.bound_at = (
                    new.region_id,
                    new.bound_by,
                    new.bound_at,
                )
            await self._session.delete(new)
            await self._session.flush()
        old.previous_chat_id = old.chat_id
        old.chat_id = new_chat_id
        old.active = True
        await self._session.flush()
        return old

    async def in_region(self, region_id: int | None, active_only: bool = True) -> Sequence[Group]:
        query = select(Group).order_by(Group.title)
        query = query.where(
            Group.region_id.is_(None) if region_id is None else Group.region_id == region_id
        )
        if active_only:
            query = query.where(Group.active.is_(True))
        return (await self._session.scalars(query)).all()

    async def all(self) -> Sequence[Group]:
        return (await self._session.scalars(select(Group).order_by(Group.title))).all()


class People:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None,
        username: str | None,
        now: datetime,
    ) -> Person:
        """Record (or refresh) a user the bot has seen; usernames are kept lower-case."""
        lowered = username.lower() if username else None
        if lowered:
            # A username moves between accounts; only its newest holder keeps it.
            await self._session.execute(
                update(Person)
                .where(Person.username == lowered, Person.user_id != user_id)
                .values(username=None)
            )
        values = {
            "user_id": user_id,
            "first_name": first_name,
            "last_name": last_name,
            "username": lowered,
            "last_seen_at": now,
        }
        changed = ("first_name", "last_name", "username", "last_seen_at")
        await upsert(self._session, Person, "user_id", values, changed)
        query = select(Person).where(Person.user_id == user_id)
        return (await self._session.scalars(query.execution_options(populate_existing=True))).one()

    async def by_user_id(self, user_id: int) -> Person | None:
        return await self._session.scalar(select(Person).where(Person.user_id == user_id))

    async def by_username(self, username: str) -> Person | None:
        return await self._session.scalar(
            select(Person).where(Person.username == username.lstrip("@").lower())
        )


class Grants:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def regions_of(self, user_id: int) -> Sequence[Region]:
        query = (
            select(Region)
            .join(CoordinatorGrant, CoordinatorGrant.region_id == Region.id)
            .join(Person, Person.id == CoordinatorGrant.person_id)
            .where(Person.user_id == user_id)
            .order_by(Region.position)
        )
        return (await self._session.scalars(query)).all()

    async def grant(self, person: Person, region: Region, by: int, now: datetime) -> bool:
        """Make ``person`` a coordinator of ``region``; False if they already were."""
        try:
            async with self._session.begin_nested():
                self._session.add(
                    CoordinatorGrant(
                        person_id=person.id, region_id=region.id, granted_by=by, granted_at=now
                    )
                )
        except IntegrityError:
            return False
        return True

    async def revoke(self, person: Person, region: Region | None) -> list[str]:
        """Remove the person's grants (one region, or all); the names of regions removed."""
        query = select(CoordinatorGrant).where(CoordinatorGrant.person_id == person.id)
        if region is not None:
            query = query.where(CoordinatorGrant.region_id == region.id)
        grants = (await self._session.scalars(query)).all()
        names = [grant.region.name for grant in grants]
        for grant in grants:
            await self._session.delete(grant)
        return names

    async def coordinators(self, region_id: int) -> Sequence[Person]:
        query = (
            select(Person)
            .join(CoordinatorGrant, CoordinatorGrant.person_id == Person.id)
            .where(CoordinatorGrant.region_id == region_id)
            .order_by(Person.first_name)
        )
        return (await self._session.scalars(query)).all()
