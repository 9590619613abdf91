"""The directory: regions, groups, people and coordinator grants, and their repositories."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import ForeignKey, UniqueConstraint
from sqlalchemy.types import BigInteger, Boolean, Integer, String

from storage.base import Model, UtcDateTime, insert_if_new, upsert


def person_label(first_name: str, last_name: str | None, username: str | None) -> str:
    """How the bot names a person in a message: full name, plus @username when known."""
    name = f"{first_name} {last_name}" if last_name else first_name
    return f"{name} (@{username})" if username else name


class Region(Model):
    """One of the 21 cities/prefectures (市州) of Sichuan."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)  # short name: 泸州, 凉山
    full_name: Mapped[str] = mapped_column(String(64))  # 泸州市, 凉山彝族自治州
    position: Mapped[int] = mapped_column(Integer)  # the official order

    aliases: Mapped[list[RegionAlias]] = relationship(
        back_populates="region", lazy="selectin", cascade="all, delete-orphan"
    )


class RegionAlias(Model):
    __tablename__ = "region_aliases"

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64), unique=True)

    region: Mapped[Region] = relationship(back_populates="aliases")


class Group(Model):
    """A Telegram group the bot is (or was) in. History refers to ``id``, never to chat_id,
    so a group upgraded to a supergroup keeps everything when its chat_id changes."""

    __tablename__ = "groups"

    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("regions.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bound_by: Mapped[int | None] = mapped_column(BigInteger)
    bound_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    bot_is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    joined_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    previous_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    auto_answer: Mapped[bool] = mapped_column(Boolean, default=True)  # FAQ without being asked
    workdays_only: Mapped[bool] = mapped_column(Boolean, default=False)  # reminders off holidays
    is_desk: Mapped[bool] = mapped_column(Boolean, default=False)  # the provincial staff desk
    is_forum: Mapped[bool] = mapped_column(Boolean, default=False)  # topics (known for the desk)

    region: Mapped[Region | None] = relationship(lazy="joined")


class Person(Model):
    """A Telegram user the bot has seen."""

    __tablename__ = "people"

    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64), index=True)  # lower case
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    desk_staff_by: Mapped[int | None] = mapped_column(BigInteger)  # who granted the desk role

    @property
    def label(self) -> str:
        return person_label(self.first_name, self.last_name, self.username)


class CoordinatorGrant(Model):
    """A regional coordinator's right over one region, granted by a provincial admin."""

    __tablename__ = "coordinator_grants"
    __table_args__ = (UniqueConstraint("person_id", "region_id"),)

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    granted_by: Mapped[int] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())

    person: Mapped[Person] = relationship(lazy="joined")
    region: Mapped[Region] = relationship(lazy="joined")


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
        key = {"person_id": person.id, "region_id": region.id}
        values = key | {"granted_by": by, "granted_at": now}
        return await insert_if_new(self._session, CoordinatorGrant, tuple(key), values)

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

    async def is_desk_staff(self, user_id: int) -> bool:
        """Whether a provincial admin granted this person the desk role."""
        query = select(Person.desk_staff_by).where(Person.user_id == user_id)
        return await self._session.scalar(query) is not None

    async def coordinators(self, region_id: int) -> Sequence[Person]:
        query = (
            select(Person)
            .join(CoordinatorGrant, CoordinatorGrant.person_id == Person.id)
            .where(CoordinatorGrant.region_id == region_id)
            .order_by(Person.first_name)
        )
        return (await self._session.scalars(query)).all()
