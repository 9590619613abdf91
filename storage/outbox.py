"""The outbox: messages the bot sends on its own, queued in the same transaction as the change
that causes them and delivered once by the sender (``handlers/sender.py``). Also the notices'
own records (notices, their targets, 收到 confirmations, saved group lists).

A delivery's life: pending → sending (leased to one sender until ``lease_until``) → sent (with
Telegram's message id), failed (with a plain reason) or cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.model import Button, CopyMessage, SendMessage
from storage.models import (
    GroupList,
    Notice,
    NoticeConfirmation,
    NoticeTarget,
    OutboxMessage,
)
from storage.repositories import insert_new, upsert

PENDING, SENDING, SENT, FAILED, CANCELLED = "pending", "sending", "sent", "failed", "cancelled"
UNSETTLED = (PENDING, SENDING)

Queued = SendMessage | CopyMessage
_WAKE = "outbox_wake"


def wake_on_commit(sessions: async_sessionmaker[AsyncSession], wake: Callable[[], None]) -> None:
    """Call ``wake`` after every commit (of any unit of work) that queued a delivery."""
    sessions.configure(info={_WAKE: wake})


def encode(action: Queued) -> dict[str, Any]:
    if isinstance(action, CopyMessage):
        return {"copy": [action.from_chat_id, action.message_id]}
    buttons = [[[b.text, b.data] for b in row] for row in action.buttons]
    return {"text": action.text, "reply_to": action.reply_to_message_id, "buttons": buttons}


def decode(row: OutboxMessage) -> Queued:
    payload = row.payload
    if "copy" in payload:
        from_chat_id, message_id = payload["copy"]
        return CopyMessage(row.chat_id, from_chat_id, message_id)
    buttons = tuple(tuple(Button(t, d) for t, d in line) for line in payload["buttons"])
    return SendMessage(row.chat_id, payload["text"], payload["reply_to"], buttons)


class Outbox:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._ringing = False

    async def enqueue(
        self,
        items: Iterable[tuple[str, Queued]],
        now: datetime,
        *,
        topic: str | None = None,
        due_at: datetime | None = None,
    ) -> None:
        """Queue (delivery key, action) pairs. A key queued before is left alone, so running
        the same change twice queues nothing new."""
        rows = [
            {
                "key": key,
                "topic": topic,
                "chat_id": action.chat_id,
                "payload": encode(action),
                "state": PENDING,
                "due_at": due_at or now,
                "attempts": 0,
                "created_at": now,
            }
            for key, action in items
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
            and_(OutboxMessage.state == PENDING, OutboxMessage.due_at <= now),
            and_(OutboxMessage.state == SENDING, OutboxMessage.lease_until < now),
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
            row.state, row.lease_owner, row.lease_until = SENDING, owner, now + lease
        await self._session.flush()
        return rows

    async def recover(self) -> int:
        """At start on SQLite (one process by design), rows left 'sending' belong to a process
        that died: queue them again at once. On PostgreSQL other processes may be sending;
        their rows come back when their leases run out."""
        if self._session.bind.dialect.name != "sqlite":
            return 0
        return await self._release(OutboxMessage.state == SENDING)

    async def release(self, owner: str) -> int:
        """Give back rows ``owner`` leased but did not send (a clean stop)."""
        return await self._release(
            and_(OutboxMessage.state == SENDING, OutboxMessage.lease_owner == owner)
        )

    async def _release(self, condition: Any) -> int:
        result = await self._session.execute(
            update(OutboxMessage).where(condition).values(state=PENDING, lease_owner=None)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def update_held(self, row_id: int, owner: str, **values: Any) -> bool:
        """Change a row ``owner`` still holds the lease of (one statement, so that recording
        an outcome takes as little time as possible); False if the lease was lost."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.state == SENDING,
                OutboxMessage.lease_owner == owner,
            )
            .values(**values)
        )
        return bool(getattr(result, "rowcount", 0))

    async def recent_topics(self, since: datetime) -> Sequence[str]:
        """Topics with deliveries finished since then."""
        query = select(OutboxMessage.topic).where(
            OutboxMessage.topic.is_not(None), OutboxMessage.finished_at >= since
        )
        return [t for t in (await self._session.scalars(query.distinct())).all() if t]

    async def topic(self, topic: str) -> Sequence[OutboxMessage]:
        query = select(OutboxMessage).where(OutboxMessage.topic == topic)
        return (await self._session.scalars(query.order_by(OutboxMessage.id))).all()

    async def sent_as(self, chat_id: int, message_id: int) -> OutboxMessage | None:
        """The delivery that became this message of this chat, if it came from the outbox."""
        query = select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id, OutboxMessage.message_id == message_id
        )
        return await self._session.scalar(query.limit(1))

    async def latest_sent(self, chat_id: int, since: datetime) -> OutboxMessage | None:
        """The delivery to this chat that arrived last, if it arrived since then."""
        query = select(OutboxMessage).where(
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.state == SENT,
            OutboxMessage.finished_at >= since,
        )
        order = (OutboxMessage.finished_at.desc(), OutboxMessage.id.desc())
        return await self._session.scalar(query.order_by(*order).limit(1))

    async def unsettled(self, topic: str | None = None) -> int:
        """Deliveries not yet sent, failed or cancelled (of one topic, or all)."""
        query = select(func.count()).where(OutboxMessage.state.in_(UNSETTLED))
        if topic is not None:
            query = query.where(OutboxMessage.topic == topic)
        return int(await self._session.scalar(query) or 0)

    async def cancel(self, topic: str, now: datetime) -> int:
        """Cancel a topic's deliveries that have not started."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.topic == topic, OutboxMessage.state == PENDING)
            .values(state=CANCELLED, finished_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


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
        query = select(Notice).where(Notice.id == notice_id)
        return await self._session.scalar(query.with_for_update() if lock else query)

    async def recent(self, author_id: int | None, limit: int = 10) -> Sequence[Notice]:
        query = select(Notice).where(Notice.state != "draft")
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
        try:
            async with self._session.begin_nested():
                self._session.add(
                    NoticeConfirmation(
                        notice_id=notice_id,
                        group_id=group_id,
                        user_id=user_id,
                        name=name,
                        confirmed_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def confirmations(self, notice_id: int) -> Sequence[NoticeConfirmation]:
        query = select(NoticeConfirmation).where(NoticeConfirmation.notice_id == notice_id)
        return (await self._session.scalars(query.order_by(NoticeConfirmation.id))).all()

    async def group_list(self, name: str) -> GroupList | None:
        return await self._session.scalar(select(GroupList).where(GroupList.name == name))

    async def group_lists(self) -> Sequence[GroupList]:
        return (await self._session.scalars(select(GroupList).order_by(GroupList.name))).all()

    async def save_group_list(
        self, name: str, group_ids: list[int], by: int, now: datetime
    ) -> None:
        values = {"name": name, "group_ids": group_ids, "updated_by": by, "updated_at": now}
        await upsert(
            self._session, GroupList, "name", values, ("group_ids", "updated_by", "updated_at")
        )

    async def delete_group_list(self, saved: GroupList) -> None:
        await self._session.delete(saved)
