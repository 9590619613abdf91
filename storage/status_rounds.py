"""Collection rounds of project status: a region's schedule (``/collect 每周五 17:00 截止
周一 12:00``) and its rounds, each with its planned moments (start, up to two nudges, close).

The database is the schedule's source of truth: a round's ``next_at`` is the next moment it
needs work, and the job claims due rounds under a row lock (PostgreSQL skips rows another
process holds), so each moment is handled once. A region has at most one current round (a
partial unique index on the rounds not yet ended).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Model, UtcDateTime, added
from storage.directory import Region
from storage.outbox import DeliveryState, OutboxMessage
from storage.status_tables import StatusProject, StatusRecord


class RoundState:
    PLANNED = "planned"  # waiting for its start
    OPEN = "open"  # owners asked; nudges and the close to come
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RoundSetting(Model):
    """A region's collection schedule: when rounds start (a repeat) and when each closes (a
    phrase read from the round's start, such as 周一 12:00)."""

    __tablename__ = "status_round_settings"

    region_id: Mapped[int] = mapped_column(
        ForeignKey("regions.id", ondelete="CASCADE"), unique=True
    )
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)  # kind, day, at (as a deadline's repeat)
    start_phrase: Mapped[str] = mapped_column(String(64))  # as understood: 每周五 17:00
    close_phrase: Mapped[str] = mapped_column(String(64))  # 周一 12:00
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    set_by: Mapped[int] = mapped_column(BigInteger)
    set_by_name: Mapped[str] = mapped_column(String(255))
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())

    region: Mapped[Region] = relationship(lazy="joined")


class StatusRound(Model):
    """One round of a region: planned moments, what has been done, and the next moment due."""

    __tablename__ = "status_rounds"
    __table_args__ = (
        Index("ix_status_rounds_next_at", "next_at"),
        Index(
            "uq_status_rounds_current",
            "region_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    set_by: Mapped[int] = mapped_column(BigInteger)  # told the close when no group is left
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime())
    nudges: Mapped[list[str]] = mapped_column(JSON)  # ISO moments, at most two
    moved_from: Mapped[datetime | None] = mapped_column(UtcDateTime())  # start on a day off
    state: Mapped[str] = mapped_column(String(16))  # RoundState
    nudged: Mapped[int] = mapped_column(Integer, default=0)  # nudge moments passed
    next_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # None once ended
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    region: Mapped[Region] = relationship(lazy="joined")

    def nudge_moments(self) -> list[datetime]:
        return [datetime.fromisoformat(moment) for moment in self.nudges]


class StatusRounds:
    """The schedules and rounds, and the reads a round needs."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- schedules -----------------------------------------------------------------------

    async def setting(self, region_id: int) -> RoundSetting | None:
        query = select(RoundSetting).where(RoundSetting.region_id == region_id)
        return await self._session.scalar(query)

    async def save_setting(self, setting: RoundSetting) -> RoundSetting:
        """Replace the region's schedule with ``setting``."""
        await self.drop_setting(setting.region_id)
        return await added(self._session, setting)

    async def drop_setting(self, region_id: int) -> None:
        await self._session.execute(
            delete(RoundSetting).where(RoundSetting.region_id == region_id)
        )

    # --- rounds --------------------------------------------------------------------------

    async def current(self, region_id: int, *, lock: bool = False) -> StatusRound | None:
        """The region's round not yet ended (planned or open), if any."""
        query = select(StatusRound).where(
            StatusRound.region_id == region_id, StatusRound.ended_at.is_(None)
        )
        if lock:
            query = query.with_for_update(of=StatusRound)
        return await self._session.scalar(query)

    async def add(self, round_: StatusRound) -> StatusRound:
        return await added(self._session, round_)

    async def claim_due(self, now: datetime, limit: int) -> Sequence[StatusRound]:
        """Rounds with a moment due, locked; rows another process holds are skipped."""
        query = (
            select(StatusRound)
            .where(StatusRound.ended_at.is_(None), StatusRound.next_at <= now)
            .order_by(StatusRound.next_at, StatusRound.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=StatusRound)
        )
        return (await self._session.scalars(query)).unique().all()

    async def next_due(self) -> datetime | None:
        query = select(func.min(StatusRound.next_at)).where(StatusRound.ended_at.is_(None))
        return await self._session.scalar(query)

    async def get(self, round_id: int) -> StatusRound | None:
        return await self._session.get(StatusRound, round_id)

    # --- what a round reads --------------------------------------------------------------

    async def reported_since(self, region_id: int, since: datetime) -> set[int]:
        """The region's projects with a report (not a correction of an older one) since then."""
        query = (
            select(StatusRecord.project_id)
            .join(StatusProject, StatusProject.id == StatusRecord.project_id)
            .where(
                StatusProject.region_id == region_id,
                StatusRecord.supersedes_id.is_(None),
                StatusRecord.reported_at >= since,
            )
            .distinct()
        )
        return set((await self._session.scalars(query)).all())

    async def unreachable_privately(self, user_ids: Iterable[int]) -> set[int]:
        """The people whose latest finished private delivery failed (never started the bot,
        blocked it): they are asked in the group instead."""
        ids = list(set(user_ids))
        if not ids:
            return set()
        query = (
            select(OutboxMessage.chat_id, OutboxMessage.state)
            .where(
                OutboxMessage.chat_id.in_(ids),
                OutboxMessage.state.in_((DeliveryState.SENT, DeliveryState.FAILED)),
            )
            .order_by(OutboxMessage.finished_at, OutboxMessage.id)
        )
        latest: dict[int, str] = {}
        for chat_id, state in await self._session.execute(query):
            latest[chat_id] = state
        return {chat for chat, state in latest.items() if state == DeliveryState.FAILED}
