"""The outbox: messages the bot sends on its own, queued in the same transaction as the change
that causes them and delivered once by the sender (``handlers/core/sender.py``).

A delivery's life: pending → sending (leased to one sender until ``lease_until``) → sent (with
Telegram's message id), failed (with a plain reason) or cancelled. What a delivery is about is
kept in columns (``feature``, ``ref_id``), never in its key; what it sends is a payload this
module stores without reading. ``sent_messages`` maps a message the bot sent to what it is about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import Index, UniqueConstraint
from sqlalchemy.types import JSON, BigInteger, Integer, String, Text

from storage.base import Model, UtcDateTime, insert_new


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNSETTLED = (DeliveryState.PENDING, DeliveryState.SENDING)
_WAKE = "outbox_wake"


class OutboxMessage(Model):
    """A message the bot sends on its own, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due_at", "state", "due_at"),
        Index("ix_outbox_chat_id_message_id", "chat_id", "message_id"),
        Index("ix_outbox_feature_ref_id", "feature", "ref_id"),
    )

    key: Mapped[str] = mapped_column(String(160), unique=True)  # queued twice = queued once
    feature: Mapped[str | None] = mapped_column(String(32))  # told when its deliveries settle
    ref_id: Mapped[int | None] = mapped_column(BigInteger)  # what it is about: a notice's id …
    kind: Mapped[str | None] = mapped_column(String(16))  # which of its messages: card, relay …
    chat_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # what to send, opaque here
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed tries (5xx, time-outs)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # Telegram's, once sent
    error: Mapped[str | None] = mapped_column(Text)  # plain reason, once failed
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SentMessage(Model):
    """A message the bot sent (chat, Telegram message id) and what it is about, so that a
    reply to it (收到 to a notice, an answer to a relayed ticket message) finds its subject."""

    __tablename__ = "sent_messages"
    __table_args__ = (
        UniqueConstraint("chat_id", "message_id"),
        Index("ix_sent_messages_chat_id_sent_at", "chat_id", "sent_at"),
    )

    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    feature: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class Delivery:
    """One message to queue. ``key`` makes queuing idempotent; ``feature`` and ``ref`` say
    what it is about (the feature is told when all deliveries of one ref have settled)."""

    key: str
    chat_id: int
    payload: dict[str, Any]
    feature: str | None = None
    ref: int | None = None
    kind: str | None = None  # which of the ref's messages this is (a ticket's card, a relay)


def wake_on_commit(sessions: async_sessionmaker[AsyncSession], wake: Callable[[], None]) -> None:
    """Call ``wake`` after every commit (of any unit of work) that queued a delivery."""
    sessions.configure(info={_WAKE: wake})


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._ringing = False

    async def enqueue(
        self, deliveries: Iterable[Delivery], now: datetime, *, due_at: datetime | None = None
    ) -> None:
        """Queue deliveries. A key queued before is left alone, so running the same change
        twice queues nothing new."""
        rows = [
            {
                "key": d.key,
                "feature": d.feature,
                "ref_id": d.ref,
                "kind": d.kind,
                "chat_id": d.chat_id,
                "payload": d.payload,
                "state": DeliveryState.PENDING,
                "due_at": due_at or now,
                "attempts": 0,
                "created_at": now,
            }
            for d in deliveries
        ]
        await insert_new(self._session, OutboxMessage, "key", rows)
        wake = self._session.info.get(_WAKE)
        if wake is not None and not self._ringing:
            self._ringing = True
            event.listen(self._session.sync_session, "after_commit", lambda _: wake(), once=True)

    async def claim(
        self, owner: str, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[OutboxMessage]:
        """Lease up to ``limit`` due rows to ``owner``: pending ones whose time has come, and
        sending ones whose lease ran out (their sender died). On PostgreSQL rows another sender
        is claiming are skipped (FOR UPDATE SKIP LOCKED); SQLite has one writer at a time."""
        due = or_(
            and_(OutboxMessage.state == DeliveryState.PENDING, OutboxMessage.due_at <= now),
            and_(OutboxMessage.state == DeliveryState.SENDING, OutboxMessage.lease_until < now),
        )
        query = (
            select(OutboxMessage)
            .where(due)
            .order_by(OutboxMessage.due_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = (await self._session.scalars(query)).all()
        for row in rows:
            row.state, row.lease_owner, row.lease_until = DeliveryState.SENDING, owner, now + lease
        await self._session.flush()
        return rows

    async def recover(self) -> int:
        """At start on SQLite (one process by design), rows left 'sending' belong to a process
        that died: queue them again at once. On PostgreSQL other processes may be sending;
        their rows come back when their leases run out."""
        if self._session.bind.dialect.name != "sqlite":
            return 0
        return await self._release(OutboxMessage.state == DeliveryState.SENDING)

    async def release(self, owner: str) -> int:
        """Give back rows ``owner`` leased but did not send (a clean stop)."""
        return await self._release(
            and_(OutboxMessage.state == DeliveryState.SENDING, OutboxMessage.lease_owner == owner)
        )

    async def _release(self, condition: Any) -> int:
        result = await self._session.execute(
            update(OutboxMessage)
            .where(condition)
            .values(state=DeliveryState.PENDING, lease_owner=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def update_held(self, row_id: int, owner: str, **values: Any) -> bool:
        """Change a row ``owner`` still holds the lease of (one statement, so that recording
        an outcome takes as little time as possible); False if the lease was lost."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.state == DeliveryState.SENDING,
                OutboxMessage.lease_owner == owner,
            )
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))

    async def recently_settled(self, since: datetime) -> Sequence[tuple[str, int]]:
        """(feature, ref) of deliveries finished since then."""
        query = select(OutboxMessage.feature, OutboxMessage.ref_id).where(
            OutboxMessage.feature.is_not(None),
            OutboxMessage.ref_id.is_not(None),
            OutboxMessage.finished_at >= since,
        )
        rows = (await self._session.execute(query.distinct())).all()
        return [(feature, ref) for feature, ref in rows if feature and ref is not None]

    async def about(self, feature: str, ref: int) -> Sequence[OutboxMessage]:
        """Every delivery queued about one thing (a notice's deliveries to all its groups)."""
        query = select(OutboxMessage).where(
            OutboxMessage.feature == feature, OutboxMessage.ref_id == ref
        )
        return (await self._session.scalars(query.order_by(OutboxMessage.id))).all()

    async def rewrite_pending(self, key: str, payload: dict[str, Any]) -> bool:
        """Send ``payload`` instead, if the delivery ``key`` has not started yet."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.key == key, OutboxMessage.state == DeliveryState.PENDING)
            .values(payload=payload)
        )
        return bool(getattr(result, "rowcount", 0))

    async def by_key(self, key: str) -> OutboxMessage | None:
        return await self._session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))

    async def unsettled(self, feature: str | None = None, ref: int | None = None) -> int:
        """Deliveries not yet sent, failed or cancelled (about one thing, or all)."""
        query = select(func.count()).where(OutboxMessage.state.in_(UNSETTLED))
        if feature is not None:
            query = query.where(OutboxMessage.feature == feature, OutboxMessage.ref_id == ref)
        return int(await self._session.scalar(query) or 0)

    async def cancel(self, feature: str, ref: int, now: datetime, kinds: str | None = None) -> int:
        """Cancel the deliveries about one thing that have not started (only those whose kind
        is LIKE ``kinds``, when given: a feature with several kinds of refs)."""
        query = update(OutboxMessage).where(
            OutboxMessage.feature == feature,
            OutboxMessage.ref_id == ref,
            OutboxMessage.state == DeliveryState.PENDING,
        )
        if kinds is not None:
            query = query.where(OutboxMessage.kind.like(kinds))
        result = await self._session.execute(
            query.values(state=DeliveryState.CANCELLED, finished_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # --- what the bot's messages are about ----------------------------------------------

    async def remember_sent(
        self,
        chat_id: int,
        message_id: int,
        feature: str,
        ref: int | None,
        now: datetime,
        kind: str | None = None,
    ) -> None:
        """Record what a message the bot sent is about (once per message)."""
        values = {
            "chat_id": chat_id,
            "message_id": message_id,
            "feature": feature,
            "ref_id": ref,
            "kind": kind,
            "sent_at": now,
        }
        await insert_new(self._session, SentMessage, ("chat_id", "message_id"), [values])

    async def sent_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """What this message of the bot's in this chat is about, if anything."""
        query = select(SentMessage).where(
            SentMessage.chat_id == chat_id, SentMessage.message_id == message_id
        )
        return await self._session.scalar(query)

    async def sent_about(self, feature: str, ref: int, kind: str) -> SentMessage | None:
        """The latest message of this kind the bot sent about one thing (a ticket's card)."""
        query = select(SentMessage).where(
            SentMessage.feature == feature, SentMessage.ref_id == ref, SentMessage.kind == kind
        )
        return await self._session.scalar(query.order_by(SentMessage.id.desc()).limit(1))

    async def last_sent(self, chat_id: int, since: datetime) -> SentMessage | None:
        """The message about something that the bot sent to this chat last, since then."""
        query = select(SentMessage).where(
            SentMessage.chat_id == chat_id, SentMessage.sent_at >= since
        )
        order = (SentMessage.sent_at.desc(), SentMessage.id.desc())
        return await self._session.scalar(query.order_by(*order).limit(1))
