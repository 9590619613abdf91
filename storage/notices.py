"""Notices: what a coordinator broadcast, to which groups, and who confirmed (收到); saved
group lists. The deliveries themselves are outbox rows of the notices feature."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import ForeignKey, UniqueConstraint
from sqlalchemy.types import JSON, BigInteger, Integer, String, Text

from storage.base import Model, UtcDateTime, by_id, insert_if_new, upsert
from storage.directory import Group


class NoticeState(StrEnum):
    DRAFT = "draft"  # previewed, not sent
    SENDING = "sending"  # queued or delivered: the notice is live
    CANCELLED = "cancelled"  # 取消 pressed on the preview, or no group left to send to
    DELETED = "deleted"  # withdrawn (/notice_delete)


class Notice(Model):
    """A notice a coordinator broadcasts to groups; deliveries are outbox rows of its topic."""

    __tablename__ = "notices"

    author_id: Mapped[int] = mapped_column(BigInteger, index=True)  # Telegram user id
    author_name: Mapped[str] = mapped_column(String(255))
    targets: Mapped[str] = mapped_column(String(255))  # as typed: 全部, 泸州、德阳, a list name
    text: Mapped[str] = mapped_column(Text)
    copy_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # an attachment to copy
    copy_message_id: Mapped[int | None] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default=NoticeState.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    nudged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    nudges: Mapped[int] = mapped_column(Integer, default=0)


class NoticeTarget(Model):
    """A group a notice goes to, fixed when the preview is shown."""

    __tablename__ = "notice_targets"
    __table_args__ = (UniqueConstraint("notice_id", "group_id"),)

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))

    group: Mapped[Group] = relationship(lazy="joined")


class NoticeConfirmation(Model):
    """Someone pressed 收到 under a notice in a group; once per person and group."""

    __tablename__ = "notice_confirmations"
    __table_args__ = (UniqueConstraint("notice_id", "group_id", "user_id"),)

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime())


PROVINCE = "province"  # the owner of lists that every provincial admin shares


class GroupList(Model):
    """A saved list of groups to send notices to (/notice_list). It belongs to its author
    (``owner`` = their Telegram id), or to the provincial admins together (``PROVINCE``)."""

    __tablename__ = "group_lists"
    __table_args__ = (UniqueConstraint("owner", "name"),)

    owner: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(32))
    group_ids: Mapped[list[int]] = mapped_column(JSON)
    updated_by: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Notices:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, notice: Notice, group_ids: Iterable[int]) -> Notice:
        self._session.add(notice)
        await self._session.flush()
        self._session.add_all(NoticeTarget(notice_id=notice.id, group_id=g) for g in group_ids)
        await self._session.flush()
        return notice

    async def get(self, notice_id: int, *, lock: bool = False) -> Notice | None:
        return await by_id(self._session, Notice, notice_id, lock=lock)

    async def recent(self, author_id: int | None, limit: int = 10) -> Sequence[Notice]:
        query = select(Notice).where(Notice.state != NoticeState.DRAFT)
        if author_id is not None:
            query = query.where(Notice.author_id == author_id)
        query = query.order_by(Notice.id.desc()).limit(limit)
        return (await self._session.scalars(query)).all()

    async def targets(self, notice_id: int) -> Sequence[NoticeTarget]:
        query = select(NoticeTarget).where(NoticeTarget.notice_id == notice_id)
        return (await self._session.scalars(query.order_by(NoticeTarget.id))).all()

    async def confirm(
        self, notice_id: int, group_id: int, user_id: int, name: str, now: datetime
    ) -> bool:
        """Record a 收到; False if this person already confirmed in this group."""
        values = {"notice_id": notice_id, "group_id": group_id, "user_id": user_id}
        return await insert_if_new(
            self._session,
            NoticeConfirmation,
            ("notice_id", "group_id", "user_id"),
            values | {"name": name, "confirmed_at": now},
        )

    async def confirmations(self, notice_id: int) -> Sequence[NoticeConfirmation]:
        query = select(NoticeConfirmation).where(NoticeConfirmation.notice_id == notice_id)
        return (await self._session.scalars(query.order_by(NoticeConfirmation.id))).all()

    async def group_list(self, owner: str, name: str) -> GroupList | None:
        query = select(GroupList).where(GroupList.owner == owner, GroupList.name == name)
        return await self._session.scalar(query)

    async def group_lists(self, owner: str) -> Sequence[GroupList]:
        query = select(GroupList).where(GroupList.owner == owner).order_by(GroupList.name)
        return (await self._session.scalars(query)).all()

    async def save_group_list(
        self, owner: str, name: str, group_ids: list[int], by: int, now: datetime
    ) -> None:
        values = {
            "owner": owner,
            "name": name,
            "group_ids": group_ids,
            "updated_by": by,
            "updated_at": now,
        }
        await upsert(
            self._session,
            GroupList,
            ("owner", "name"),
            values,
            ("group_ids", "updated_by", "updated_at"),
        )

    async def delete_group_list(self, saved: GroupList) -> None:
        await self._session.delete(saved)
