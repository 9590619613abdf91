"""The outbox sender: delivers queued messages once each, within the rate budgets.

One runs in each bot process, beside polling. It leases due rows in short transactions, sends
each through the rate-limited messenger and records the outcome at once, so a message goes out
twice only if the process dies between Telegram accepting it and that record. Woken after every
commit that queued something; polls for rows that come due later (retries, scheduled sends).
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import re
import socket
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from handlers.core.delivery import decode
from handlers.core.feature import SettledHandler
from handlers.core.model import Delivered
from handlers.core.ports import Clock, SendError
from handlers.core.ratelimit import RateLimitedMessenger
from storage.database import is_transient
from storage.outbox import UNSETTLED, DeliveryState, OutboxMessage
from storage.uow import SessionFactory, UnitOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")

LEASE = timedelta(minutes=2)  # longer than any request may take
IN_FLIGHT = 8  # rows leased at once; a direct reply waits behind at most these
HOLD = 5.0  # a row whose chat is busy for longer goes back to the queue until then
MAX_ATTEMPTS = 8  # server errors and time-outs before a delivery counts as failed
STOP_GRACE = 10.0
RECHECK = timedelta(days=1)
TOPIC_WAIT = timedelta(seconds=1)  # a row waiting for its topic looks again this much later
_MIGRATED = re.compile(r"migrated to (-?\d+)")

# Telegram's refusal → what the person who sent the notice reads.
_REASONS = (
    (("kicked", "not a member", "bot was removed"), "机器人已被移出该群"),
    (("blocked by the user", "user is deactivated"), "对方已屏蔽或停用机器人"),
    (("chat not found", "chat was deactivated", "chat was deleted"), "群不存在或已解散"),
    (("upgraded to a supergroup",), "群已升级为超级群"),
    (("rights", "chat_write_forbidden", "chat_restricted"), "机器人在该群没有发言权限"),
    (("message to copy not found",), "要发送的附件已被删除"),
    (("can't initiate conversation",), "对方还没有私聊过机器人"),
)
GONE = (_REASONS[0][1], _REASONS[2][1])  # the group is marked inactive


def plain_reason(reason: str) -> str:
    lowered = reason.lower()
    for needles, text in _REASONS:
        if any(needle in lowered for needle in needles):
            return text
    return f"Telegram 拒绝发送（{reason[:80]}）"


def backoff(attempts: int) -> float:
    """Seconds before retrying after the ``attempts``-th server error: 1, 2, 4 … 300, jittered."""
    return min(300.0, 2.0 ** (attempts - 1)) * random.uniform(0.5, 1.0)


class Sender:
    def __init__(
        self,
        sessions: SessionFactory,
        messenger: RateLimitedMessenger,
        clock: Clock,
        settled: Mapping[str, SettledHandler] | None = None,
        poll: float = 1.0,
    ) -> None:
        self._sessions = sessions
        self.messenger = messenger
        self._clock = clock
        self._settled = dict(settled or {})
        self._poll = poll
        self.owner = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._bell = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiting: set[asyncio.Task[None]] = set()  # safe to cancel: not sending yet
        # (feature, ref) with settled deliveries whose feature was not told yet
        self._untold: set[tuple[str, int]] = set()
        # chats whose rows went back to the queue until then (later rows wait behind them)
        self._held: dict[int, datetime] = {}
        self._sending: dict[str, asyncio.Task[None]] = {}  # this sender's rows on their way

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._bell.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; then finish what is on its way and give back the rest."""
        await self._start()
        try:
            while not stop.is_set():
                try:
                    if len(self._tasks) >= IN_FLIGHT:
                        await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
                    elif not await self._claim():
                        await self._tell_untold()
                        await self._idle(stop)
                except (DBAPIError, OSError):  # the database is away: keep trying
                    log.exception("outbox: could not claim deliveries")
                    await self._idle(stop)
        finally:
            await self._shutdown()

    async def drain(self) -> None:
        """Deliver everything due now and wait for it (for tests and tools)."""
        await self._start()
        while await self._claim() or self._tasks or self._untold:
            if self._tasks:
                await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            else:
                await self._tell_untold()

    async def _start(self) -> None:
        await self._transaction(lambda uow: uow.outbox.recover())
        # A process may have died between recording a delivery and telling its feature.
        since = self._clock.now() - RECHECK
        settled = await self._transaction(lambda uow: uow.outbox.recently_settled(since))
        self._untold.update(about for about in settled if about[0] in self._settled)
        await self._tell_untold()

    async def _idle(self, stop: asyncio.Event) -> None:
        waits = {asyncio.ensure_future(self._bell.wait()), asyncio.ensure_future(stop.wait())}
        await asyncio.wait(waits, timeout=self._poll, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()

    async def _claim(self) -> int:
        self._bell.clear()
        room = IN_FLIGHT - len(self._tasks)
        now = self._clock.now()
        rows = await self._transaction(lambda uow: uow.outbox.claim(self.owner, now, LEASE, room))
        for row in rows:
            task = asyncio.create_task(self._deliver(row))
            self._tasks.add(task)
            self._sending[row.key] = task
            task.add_done_callback(self._done)
            task.add_done_callback(partial(self._sent, row.key))
        return len(rows)

    def _sent(self, key: str, _: asyncio.Task[None]) -> None:
        self._sending.pop(key, None)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox: a delivery failed", exc_info=task.exception())

    async def _deliver(self, row: OutboxMessage) -> None:
        limiter = self.messenger.limiter
        now = self._clock.now()
        held = self._held.get(row.chat_id)
        if held is None or held <= now:
            if (delay := limiter.delay(row.chat_id)) > HOLD:
                held = self._held[row.chat_id] = now + timedelta(seconds=delay)
            else:
                held = None
        if held is not None:  # behind an earlier row of its chat: same time, kept in order
            await self._requeue(row, due_at=held)
            return
        topic = row.payload.get("in_topic_of")
        thread = None
        if topic is not None:
            if (making := self._sending.get(topic)) is not None:
                await asyncio.wait({making})  # made by this sender: wait for it here
            made = await self._transaction(lambda uow: self._topic(uow, topic))
            if made is False:  # another process is making it: the message waits for it
                await self._requeue(row, due_at=self._clock.now() + TOPIC_WAIT)
                return
            thread = made or None
        task = asyncio.current_task()
        assert task is not None
        self._waiting.add(task)
        try:
            await limiter.acquire(row.chat_id)
        finally:
            self._waiting.discard(task)
        try:
            delivered = await self.messenger.send_now(decode(row, thread))
        except SendError as error:
            await self._refused(row, error)
        except Exception:
            log.exception("outbox %s: sending failed", row.key)
            await self._retry(row, backoff(row.attempts + 1), failed=True)
        else:
            await self._finish(row, delivered=delivered)

    @staticmethod
    async def _topic(uow: UnitOfWork, key: str) -> int | bool | None:
        """The thread id of the topic queued under ``key``; False while it is on its way,
        None if it failed (what waits for it goes to the chat itself)."""
        row = await uow.outbox.by_key(key)
        if row is not None and row.state in UNSETTLED:
            return False
        return row.message_id if row is not None and row.state == DeliveryState.SENT else None

    async def _refused(self, row: OutboxMessage, error: SendError) -> None:
        migrated = _MIGRATED.search(error.reason)
        if error.retry_after is not None:
            await self._retry(row, 0.0, failed=False)  # the limiter pauses the chat
        elif migrated:
            await self._follow(row, int(migrated.group(1)))
        elif error.permanent:
            log.info("outbox %s: refused: %s", row.key, error.reason)
            await self._finish(row, error=plain_reason(error.reason))
        elif row.attempts + 1 >= MAX_ATTEMPTS:
            await self._finish(row, error="Telegram 多次出错，未能送达")
        else:
            await self._retry(row, backoff(row.attempts + 1), failed=True)

    async def _finish(
        self, row: OutboxMessage, *, delivered: Delivered | None = None, error: str | None = None
    ) -> None:
        """Record a delivery as sent or failed in one short transaction, as soon as Telegram
        answered; then tell the feature of its topic."""
        now = self._clock.now()

        async def record(uow: UnitOfWork) -> bool:
            recorded = await uow.outbox.update_held(
                row.id,
                self.owner,
                state=DeliveryState.SENT if error is None else DeliveryState.FAILED,
                finished_at=now,
                lease_owner=None,
                message_id=delivered.message_id if delivered else None,
                error=error,
            )
            if recorded and delivered and delivered.message_id and row.feature:
                await uow.outbox.remember_sent(
                    row.chat_id, delivered.message_id, row.feature, row.ref_id, now, row.kind
                )
            if recorded and error in GONE and row.chat_id < 0:
                group = await uow.groups.by_chat(row.chat_id)
                if group is not None:
                    group.active, group.left_at = False, now
            return recorded

        if not await self._transaction(record):
            log.warning("outbox %s: lease lost before the outcome was recorded", row.key)
        elif row.feature in self._settled and row.ref_id is not None:
            self._untold.add((row.feature, row.ref_id))

    async def _tell_untold(self) -> None:
        """Tell features what of theirs had deliveries settled. Done when the sender has
        nothing to claim, so that these transactions do not hold up recording outcomes."""
        while self._untold:
            feature, ref = self._untold.pop()
            hook = self._settled[feature]
            now = self._clock.now()
            await self._transaction(lambda uow: hook(uow, ref, now))  # noqa: B023

    async def _retry(self, row: OutboxMessage, seconds: float, *, failed: bool) -> None:
        due_at = self._clock.now() + timedelta(seconds=seconds)
        await self._requeue(row, due_at=due_at, attempts=row.attempts + int(failed))

    async def _follow(self, row: OutboxMessage, new_chat_id: int) -> None:
        """The group became a supergroup: move it to its new id and deliver there."""
        log.info("outbox %s: chat %s migrated to %s", row.key, row.chat_id, new_chat_id)

        async def follow(uow: UnitOfWork) -> None:
            await uow.groups.migrate(row.chat_id, new_chat_id)

        await self._transaction(follow)
        await self._requeue(row, due_at=self._clock.now(), chat_id=new_chat_id)

    async def _requeue(self, row: OutboxMessage, **values: object) -> None:
        await self._transaction(
            lambda uow: uow.outbox.update_held(
                row.id, self.owner, state=DeliveryState.PENDING, lease_owner=None, **values
            )
        )

    async def _shutdown(self) -> None:
        for task in self._waiting:
            task.cancel()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._transaction(lambda uow: uow.outbox.release(self.owner))
        await self._tell_untold()

    async def _transaction(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Run ``work`` in its own transaction, again if it lost to a concurrent one."""
        for attempt in range(1, 4):
            try:
                async with UnitOfWork(self._sessions) as uow:
                    result = await work(uow)
                    await uow.commit()
                    return result
            except DBAPIError as error:
                if attempt == 3 or not is_transient(error):
                    raise
        raise AssertionError("unreachable")
