"""Telegram's flood limits as budgets the bot never exceeds, shared by every message it sends:
direct replies and the outbox sender go through one ``RateLimiter`` per process.

Telegram allows about 30 messages a second overall, one a second per chat and 20 a minute per
group. The budgets stay below that:

* overall: 25 a second, evenly spaced (one every 40 ms);
* a private chat: one every 1.1 seconds;
* a group: one every 1.1 seconds, at most 3 in a row, then one every 4 seconds, so never more
  than 18 in any minute and no burst when a broadcast starts.

On 429 the chat pauses for retry_after plus jitter; when the chat had no message in the minute
before, only the overall limit can have been hit, so everything pauses.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from handlers.core.model import BotInfo, ChatMessage, Delivered, Outgoing
from handlers.core.ports import FileSource, FileUnavailable, Messenger, SendError


@dataclass(frozen=True)
class Rate:
    """At most ``burst`` messages in a row, then one every ``interval`` seconds (GCRA)."""

    interval: float
    burst: int = 1


OVERALL = (Rate(1 / 25),)
PRIVATE = (Rate(1.1),)
GROUP = (Rate(1.1), Rate(4.0, burst=3))
RECENT = 60.0  # a chat that had a message this recently may have hit its own limit


@dataclass
class _Bucket:
    rate: Rate
    due: float = float("-inf")  # when the next message would be on schedule

    def ready_at(self) -> float:
        return self.due - (self.rate.burst - 1) * self.rate.interval

    def take(self, now: float) -> None:
        self.due = max(self.due, now) + self.rate.interval


@dataclass
class _Budget:
    buckets: list[_Bucket]
    paused_until: float = float("-inf")
    last_sent: float = float("-inf")
    previous_sent: float = float("-inf")
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def of(cls, rates: tuple[Rate, ...]) -> _Budget:
        return cls([_Bucket(rate) for rate in rates])

    def ready_at(self) -> float:
        return max([self.paused_until, *(b.ready_at() for b in self.buckets)])

    def take(self, now: float) -> None:
        for bucket in self.buckets:
            bucket.take(now)
        self.previous_sent, self.last_sent = self.last_sent, now

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)

    def reserve(self, now: float) -> float:
        """The first moment from ``now`` on that fits, counted as taken."""
        slot = max(now, self.ready_at())
        self.take(slot)
        return slot


class RateLimiter:
    """Waits until a message to a chat fits every budget, then counts it."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = lambda: random.uniform(0.1, 0.5),
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self._overall = _Budget.of(OVERALL)
        self._chats: dict[int, _Budget] = {}

    def _chat(self, chat_id: int) -> _Budget:
        if chat_id not in self._chats:
            self._chats[chat_id] = _Budget.of(PRIVATE if chat_id > 0 else GROUP)
        return self._chats[chat_id]

    def delay(self, chat_id: int) -> float:
        """Seconds until the chat's own budget allows a message (0: now)."""
        return max(0.0, self._chat(chat_id).ready_at() - self._clock())

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to ``chat_id`` fits its budget and the overall one; count it.
        Messages to one chat queue in order; once the chat is ready, it takes the next free
        slot of the overall budget (first come, first served)."""
        chat = self._chat(chat_id)
        async with chat.lock:
            while True:
                await self._until(chat.ready_at)
                slot = self._overall.reserve(self._clock())
                if (wait := slot - self._clock()) > 0:
                    await self._sleep(wait)
                if max(chat.paused_until, self._overall.paused_until) <= slot:
                    break  # else a 429 arrived meanwhile: queue again
            chat.take(slot)

    async def _until(self, moment: Callable[[], float]) -> None:
        while (wait := moment() - self._clock()) > 0:
            await self._sleep(wait)

    def too_many_requests(self, chat_id: int, retry_after: float) -> None:
        """Telegram answered 429: pause the chat, or everything if the chat was quiet."""
        now = self._clock()
        until = now + retry_after + self._jitter()
        chat = self._chat(chat_id)
        if now - chat.previous_sent < RECENT:
            chat.pause(until)
        else:
            self._overall.pause(until)


# Actions that put a message into a chat; answering a button press, deleting a message or
# setting menus does not.
REPLY_ATTEMPTS = 3


class RateLimitedMessenger:
    """A messenger that keeps to the budgets: each message waits for its slot, and a 429 pauses
    the chat (or everything) before the reply is tried again."""

    def __init__(self, inner: Messenger, limiter: RateLimiter) -> None:
        self.inner = inner
        self.limiter = limiter

    async def bot_info(self) -> BotInfo:
        return await self.inner.bot_info()

    async def download(self, file_id: str, limit: int) -> bytes:
        """Fetching a user's file spends no message budget."""
        if not isinstance(self.inner, FileSource):
            raise FileUnavailable("this messenger cannot fetch files")
        return await self.inner.download(file_id, limit)

    async def perform(self, action: Outgoing) -> Delivered:
        if not isinstance(action, ChatMessage):
            return await self.inner.perform(action)
        for attempt in range(1, REPLY_ATTEMPTS + 1):
            await self.limiter.acquire(action.chat_id)
            try:
                return await self.send_now(action)
            except SendError as error:
                if error.retry_after is None or attempt == REPLY_ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    async def send_now(self, action: Outgoing) -> Delivered:
        """Send an action whose slot was already acquired; a 429 is noted before it is raised."""
        try:
            return await self.inner.perform(action)
        except SendError as error:
            if error.retry_after is not None and isinstance(action, ChatMessage):
                self.limiter.too_many_requests(action.chat_id, error.retry_after)
            raise
