"""Deadlines, the groups they are for, and their reminder rows (the source of truth for what
is reminded when; ``handlers/deadlines.py`` writes due reminders into the outbox)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import cast, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.schema import ForeignKey, Index, UniqueConstraint
from sqlalchemy.types import JSON, BigInteger, Boolean, Integer, String, Text

from storage.base import Model, UtcDateTime, insert_new
from storage.directory import Group


class ReminderState(StrEnum):
    PENDING = "pending"  # not yet due
    ENQUEUED = "enqueued"  # written to the outbox
    SUPERSEDED = "superseded"  # a later reminder of the same occurrence went instead
    MISSED = "missed"  # due while the bot was down, and too late to send
    DONE = "done"  # the group pressed 已完成
    CANCELLED = "cancelled"  # the deadline was cancelled


REMINDER_KEY = ("deadline_id", "due_at", "group_id", "lead")  # unique: one row per reminder


class Deadline(Model):
    """A deadline a coordinator set (/deadline); its reminders are rows of deadline_reminders."""

    __tablename__ = "deadlines"

    what: Mapped[str] = mapped_column(Text)  # what is due: 项目入场报名截止
    due_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    leads: Mapped[list[int]] = mapped_column(JSON)  # reminder offsets, seconds before due_at
    targets_label: Mapped[str] = mapped_column(String(255))  # 本群, 全部, 泸州、德阳 …
    created_by: Mapped[int] = mapped_column(BigInteger, index=True)  # Telegram user id
    created_by_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # False while a far-off deadline awaits its creator's 确认 (no reminders exist yet)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    # a repeating deadline: {"kind", "day", "at": "HH:MM", "until": "YYYY-MM-DD" | None};
    # due_at is then its current occurrence
    recurrence: Mapped[dict[str, object] | None] = mapped_column(JSON)


class DeadlineTarget(Model):
    """A group a deadline is for; ``done_at`` once the group pressed 已完成 (for a repeating
    deadline: for its current occurrence)."""

    __tablename__ = "deadline_targets"
    __table_args__ = (UniqueConstraint("deadline_id", "group_id"),)

    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[int | None] = mapped_column(BigInteger)

    group: Mapped[Group] = relationship(lazy="joined")


class DeadlineReminder(Model):
    """One reminder of one deadline occurrence to one group: pending → enqueued (written to
    the outbox), or superseded, missed, done, cancelled."""

    __tablename__ = "deadline_reminders"
    __table_args__ = (
        UniqueConstraint("deadline_id", "due_at", "group_id", "lead"),
        Index("ix_deadline_reminders_state_fire_at", "state", "fire_at"),
    )

    deadline_id: Mapped[int] = mapped_column(ForeignKey("deadlines.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())  # the occurrence reminded of
    lead: Mapped[int] = mapped_column(Integer)  # seconds before due_at
    fire_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(16), default=ReminderState.PENDING)
    enqueued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    deadline: Mapped[Deadline] = relationship(lazy="joined")
    group: Mapped[Group] = relationship(lazy="joined")


class Deadlines:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, deadline: Deadline, group_ids: Iterable[int], reminders: Iterable[DeadlineReminder]
    ) -> Deadline:
        self._session.add(deadline)
        await self._session.flush()
        self._session.add_all(
            DeadlineTarget(deadline_id=deadline.id, group_id=g) for g in group_ids
        )
        for reminder in reminders:
            reminder.deadline_id = deadline.id
            self._session.add(reminder)
        await self._session.flush()
        return deadline

    async def covering(
        self, what: str, due_at: datetime, group_ids: Iterable[int]
    ) -> dict[int, int]:
        """Of these groups, those that a deadline (not cancelled) for the same thing at the same
        time already reaches: group id -> that deadline's number (the same /deadline typed
        twice)."""
        query = (
            select(DeadlineTarget.group_id, Deadline.id)
            .join(Deadline, Deadline.id == DeadlineTarget.deadline_id)
            .where(
                Deadline.cancelled.is_(False),
                Deadline.confirmed.is_(True),  # a preview not confirmed yet reaches nobody
                Deadline.due_at == due_at,
                Deadline.what == what,
                DeadlineTarget.group_id.in_(list(group_ids)),
            )
            .order_by(Deadline.id)
        )
        covered: dict[int, int] = {}
        for group_id, number in (await self._session.execute(query)).all():
            covered.setdefault(group_id, number)
        return covered

    async def add_reminders(self, reminders: Iterable[DeadlineReminder]) -> None:
        """Add reminder rows, except those already there (same deadline, occurrence, group
        and lead: sent or settled before, they are not planned again)."""
        rows = [
            {
                "deadline_id": r.deadline_id,
                "group_id": r.group_id,
                "due_at": r.due_at,
                "lead": r.lead,
                "fire_at": r.fire_at,
                "state": r.state,
            }
            for r in reminders
        ]
        await insert_new(self._session, DeadlineReminder, REMINDER_KEY, rows)

    async def drop_pending(self, deadline: Deadline) -> None:
        """Forget a deadline's reminders not yet queued (before planning them anew)."""
        await self._session.execute(
            delete(DeadlineReminder).where(
                DeadlineReminder.deadline_id == deadline.id,
                DeadlineReminder.state == ReminderState.PENDING,
            )
        )

    async def repeating_passed(self, now: datetime) -> Sequence[Deadline]:
        """Repeating deadlines whose current occurrence is over, locked (skipping those
        another process is advancing)."""
        query = (
            select(Deadline)
            .where(
                Deadline.recurrence.is_not(None),
                Deadline.cancelled.is_(False),
                Deadline.confirmed.is_(True),
                Deadline.due_at <= now,
            )
            .order_by(Deadline.id)
            .with_for_update(skip_locked=True)
        )
        return (await self._session.scalars(query)).all()

    async def next_due(self) -> datetime | None:
        """The earliest moment something is due: a pending reminder, or the end of a repeating
        deadline's occurrence (it then moves on to the next)."""
        reminders = select(func.min(DeadlineReminder.fire_at)).where(
            DeadlineReminder.state == ReminderState.PENDING
        )
        repeating = select(func.min(Deadline.due_at)).where(
            Deadline.recurrence.is_not(None),
            cast(Deadline.recurrence, String) != "null",  # None is stored as JSON null
            Deadline.cancelled.is_(False),
            Deadline.confirmed.is_(True),
        )
        moments = [await self._session.scalar(query) for query in (reminders, repeating)]
        return min((moment for moment in moments if moment is not None), default=None)

    async def get(self, deadline_id: int) -> Deadline | None:
        return await self._session.get(Deadline, deadline_id)

    async def targets(self, deadline_id: int) -> Sequence[DeadlineTarget]:
        query = select(DeadlineTarget).where(DeadlineTarget.deadline_id == deadline_id)
        return (await self._session.scalars(query.order_by(DeadlineTarget.id))).all()

    async def upcoming(self, group_ids: Iterable[int] | None, now: datetime) -> Sequence[Deadline]:
        """Deadlines still ahead and not cancelled, for any of these groups (None: all)."""
        query = select(Deadline).where(
            Deadline.cancelled.is_(False), Deadline.confirmed.is_(True), Deadline.due_at > now
        )
        if group_ids is not None:
            targeted = select(DeadlineTarget.deadline_id).where(
                DeadlineTarget.group_id.in_(list(group_ids))
            )
            query = query.where(Deadline.id.in_(targeted))
        return (await self._session.scalars(query.order_by(Deadline.due_at, Deadline.id))).all()

    async def cancel(self, deadline: Deadline, now: datetime) -> int:
        """Cancel a deadline: its pending reminders, and those queued but not yet sent."""
        deadline.cancelled = True
        stopped = await self._stop(
            DeadlineReminder.deadline_id == deadline.id, ReminderState.CANCELLED
        )
        return stopped

    async def mark_done(
        self, deadline_id: int, group_id: int, user_id: int, now: datetime
    ) -> bool | None:
        """已完成 in a group: True the first time, False if already done, None if the deadline
        is not for that group. Its remaining reminders there stop."""
        query = select(DeadlineTarget).where(
            DeadlineTarget.deadline_id == deadline_id, DeadlineTarget.group_id == group_id
        )
        target = await self._session.scalar(query.with_for_update(of=DeadlineTarget))
        if target is None:
            return None
        if target.done_at is not None:
            return False
        target.done_at, target.done_by = now, user_id
        await self._stop(
            (DeadlineReminder.deadline_id == deadline_id)
            & (DeadlineReminder.group_id == group_id),
            ReminderState.DONE,
        )
        return True

    async def _stop(self, condition: object, state: str) -> int:
        result = await self._session.execute(
            update(DeadlineReminder)
            .where(condition, DeadlineReminder.state == ReminderState.PENDING)  # type: ignore[arg-type]
            .values(state=state)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def claim_due(self, now: datetime, limit: int = 500) -> Sequence[DeadlineReminder]:
        """Pending reminders whose time has come, locked; on PostgreSQL rows another process
        is handling are skipped (FOR UPDATE SKIP LOCKED), so each is taken once."""
        query = (
            select(DeadlineReminder)
            .where(
                DeadlineReminder.state == ReminderState.PENDING, DeadlineReminder.fire_at <= now
            )
            .order_by(DeadlineReminder.fire_at, DeadlineReminder.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=DeadlineReminder)
        )
        return (await self._session.scalars(query)).unique().all()

    async def done_in(self, group_id: int, deadline_ids: Iterable[int]) -> set[int]:
        """Which of these deadlines the group has marked 已完成."""
        query = select(DeadlineTarget.deadline_id).where(
            DeadlineTarget.group_id == group_id,
            DeadlineTarget.deadline_id.in_(list(deadline_ids)),
            DeadlineTarget.done_at.is_not(None),
        )
        return set((await self._session.scalars(query)).all())

    async def reminded_groups(self, deadline_id: int) -> Sequence[Group]:
        """Active groups that were sent at least one reminder of this deadline."""
        reminded = select(DeadlineReminder.group_id).where(
            DeadlineReminder.deadline_id == deadline_id,
            DeadlineReminder.state == ReminderState.ENQUEUED,
        )
        query = select(Group).where(Group.id.in_(reminded), Group.active.is_(True))
        return (await self._session.scalars(query.order_by(Group.id))).all()

    async def reminders(self, deadline_id: int) -> Sequence[DeadlineReminder]:
        query = select(DeadlineReminder).where(DeadlineReminder.deadline_id == deadline_id)
        return (await self._session.scalars(query.order_by(DeadlineReminder.id))).all()
