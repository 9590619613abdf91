"""FAQ repository: entries, regional answers, change log, replies, votes and misses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import ForeignKey, UniqueConstraint
from sqlalchemy.types import JSON, BigInteger, Boolean, String, Text

from storage.base import Model, UtcDateTime, added, insert_if_new
from storage.directory import Region


class FaqEntry(Model):
    """One question and its provincial answer. Bundled entries are synced in at start;
    entries changed or deleted from chat keep their changes (``edited`` is set)."""

    __tablename__ = "faq_entries"

    key: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    question: Mapped[str] = mapped_column(Text)
    variants: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    answer: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    bundled: Mapped[bool] = mapped_column(Boolean, default=False)
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[int | None] = mapped_column(BigInteger)


class FaqSynonymGroup(Model):
    __tablename__ = "faq_synonym_groups"

    terms: Mapped[list[str]] = mapped_column(JSON)


class FaqRegionAnswer(Model):
    """A region's own answer to an entry (e.g. its local contact), used in its groups."""

    __tablename__ = "faq_region_answers"
    __table_args__ = (UniqueConstraint("entry_id", "region_id"),)

    region: Mapped[Region] = relationship(lazy="joined")
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[int] = mapped_column(BigInteger)


class FaqChange(Model):
    """Who changed which entry when, with the text before and after."""

    __tablename__ = "faq_changes"

    entry_id: Mapped[int] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="CASCADE"), index=True
    )
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(16))  # add, edit, delete, local, local_delete
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    changed_by: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FaqReply(Model):
    """An answer the bot gave; feedback buttons and repeat detection refer to it."""

    __tablename__ = "faq_replies"

    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("faq_entries.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the bot's answer, once sent
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class FaqVote(Model):
    __tablename__ = "faq_votes"
    __table_args__ = (UniqueConstraint("reply_id", "user_id"),)

    reply_id: Mapped[int] = mapped_column(ForeignKey("faq_replies.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigInteger)
    helpful: Mapped[bool] = mapped_column(Boolean)
    voted_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FaqMiss(Model):
    """A question the bot could not answer, or an answer someone marked 👎."""

    __tablename__ = "faq_misses"

    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(String(200), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("faq_entries.id", ondelete="SET NULL")
    )  # set for 👎
    kind: Mapped[str] = mapped_column(String(16))  # unanswered, downvoted
    asked_by: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


EDITABLE = ("category", "question", "variants", "keywords", "answer")


def snapshot(entry: FaqEntry) -> dict[str, Any]:
    """The editable content of an entry, as kept in the change log."""
    return {field: getattr(entry, field) for field in EDITABLE}


class FaqRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- entries ----------------------------------------------------------------------

    async def active_entries(self) -> Sequence[FaqEntry]:
        query = select(FaqEntry).where(FaqEntry.active.is_(True)).order_by(FaqEntry.id)
        return (await self._session.scalars(query)).all()

    async def revision(self) -> tuple[object, ...]:
        """Changes whenever the indexed knowledge may have: entries added, edited or removed
        (from chat: a change-log row; by a bundle sync at start: their times), synonyms."""
        entries = select(func.count(), func.max(FaqEntry.updated_at)).select_from(FaqEntry)
        counted = (await self._session.execute(entries)).one()
        changes = await self._session.scalar(select(func.max(FaqChange.id)))
        groups = await self._session.scalar(select(func.count()).select_from(FaqSynonymGroup))
        return (*counted, changes, groups)

    async def all_entries(self) -> Sequence[FaqEntry]:
        return (await self._session.scalars(select(FaqEntry).order_by(FaqEntry.id))).all()

    async def entry(self, reference: str | int) -> FaqEntry | None:
        """An entry by its number or its key (open-platform-account)."""
        if isinstance(reference, int):
            return await self._session.get(FaqEntry, reference)
        return await self._session.scalar(select(FaqEntry).where(FaqEntry.key == reference))

    async def synonyms(self) -> list[list[str]]:
        groups = await self._session.scalars(select(FaqSynonymGroup).order_by(FaqSynonymGroup.id))
        return [list(group.terms) for group in groups]

    async def replace_synonyms(self, groups: Sequence[Sequence[str]]) -> None:
        await self._session.execute(delete(FaqSynonymGroup))
        self._session.add_all(FaqSynonymGroup(terms=list(terms)) for terms in groups)

    def add(self, entry: FaqEntry) -> None:
        self._session.add(entry)

    async def flush(self) -> None:
        await self._session.flush()

    def record_change(
        self,
        entry: FaqEntry,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        by: int,
        at: datetime,
        region_id: int | None = None,
    ) -> None:
        self._session.add(
            FaqChange(
                entry_id=entry.id,
                region_id=region_id,
                action=action,
                before=before,
                after=after,
                changed_by=by,
                changed_at=at,
            )
        )

    async def changes(self, entry_id: int, limit: int = 5) -> Sequence[FaqChange]:
        query = (
            select(FaqChange)
            .where(FaqChange.entry_id == entry_id)
            .order_by(FaqChange.changed_at.desc(), FaqChange.id.desc())
            .limit(limit)
        )
        return (await self._session.scalars(query)).all()

    # --- regional answers -------------------------------------------------------------

    async def region_answer(self, entry_id: int, region_id: int | None) -> FaqRegionAnswer | None:
        if region_id is None:
            return None
        return await self._session.scalar(
            select(FaqRegionAnswer).where(
                FaqRegionAnswer.entry_id == entry_id, FaqRegionAnswer.region_id == region_id
            )
        )

    async def region_answers(self, entry_id: int) -> Sequence[FaqRegionAnswer]:
        query = select(FaqRegionAnswer).where(FaqRegionAnswer.entry_id == entry_id)
        return (await self._session.scalars(query)).all()

    async def set_region_answer(
        self, entry_id: int, region_id: int, answer: str, by: int, at: datetime
    ) -> str | None:
        """Set a region's own answer; the previous one (or None)."""
        current = await self.region_answer(entry_id, region_id)
        if current is None:
            self._session.add(
                FaqRegionAnswer(
                    entry_id=entry_id,
                    region_id=region_id,
                    answer=answer,
                    updated_at=at,
                    updated_by=by,
                )
            )
            return None
        previous = current.answer
        current.answer, current.updated_at, current.updated_by = answer, at, by
        return previous

    async def delete_region_answer(self, entry_id: int, region_id: int) -> str | None:
        current = await self.region_answer(entry_id, region_id)
        if current is None:
            return None
        await self._session.delete(current)
        return current.answer

    # --- replies, votes, misses ---------------------------------------------------------

    async def add_reply(
        self, chat_id: int, entry_id: int, question: str, asked_by: int | None, at: datetime
    ) -> FaqReply:
        reply = FaqReply(
            chat_id=chat_id,
            entry_id=entry_id,
            question=question,
            asked_by=asked_by,
            answered_at=at,
        )
        return await added(self._session, reply)

    async def reply(self, reply_id: int) -> FaqReply | None:
        return await self._session.get(FaqReply, reply_id)

    async def recent_reply(self, chat_id: int, entry_id: int, since: datetime) -> FaqReply | None:
        query = (
            select(FaqReply)
            .where(
                FaqReply.chat_id == chat_id,
                FaqReply.entry_id == entry_id,
                FaqReply.answered_at >= since,
            )
            .order_by(FaqReply.answered_at.desc())
            .limit(1)
        )
        return await self._session.scalar(query)

    async def vote(self, reply_id: int, user_id: int, helpful: bool, at: datetime) -> bool:
        """Record a vote; False if this person already voted on this answer."""
        values = {"reply_id": reply_id, "user_id": user_id, "helpful": helpful, "voted_at": at}
        return await insert_if_new(self._session, FaqVote, ("reply_id", "user_id"), values)

    def add_miss(self, miss: FaqMiss) -> None:
        """Keep a question the FAQ left unanswered (or whose answer was voted down), its texts
        cut to their columns' sizes."""
        miss.text, miss.normalized = miss.text[:1000], miss.normalized[:200]
        self._session.add(miss)

    async def top_misses(
        self, since: datetime, region_ids: Sequence[int] | None, limit: int = 15
    ) -> list[tuple[str, str, int, int | None]]:
        """Most frequent misses since a time: (example text, kind, count, entry id)."""
        query = (
            select(
                func.min(FaqMiss.text),
                FaqMiss.kind,
                func.count(FaqMiss.id),
                func.max(FaqMiss.entry_id),
            )
            .where(FaqMiss.at >= since)
            .group_by(FaqMiss.normalized, FaqMiss.kind)
            .order_by(func.count(FaqMiss.id).desc(), func.max(FaqMiss.at).desc())
            .limit(limit)
        )
        if region_ids is not None:
            query = query.where(FaqMiss.region_id.in_(region_ids))
        rows = await self._session.execute(query)
        return [(text, kind, int(count), entry_id) for text, kind, count, entry_id in rows]
