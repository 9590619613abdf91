"""Direct replies, sent after their update committed without holding up anyone else.

``Core.handle`` sends an update's replies itself, so the caller waits while a reply waits for its
chat's rate budget (in a busy group up to several seconds). The Telegram transports use
``ChatQueues`` instead: the update is processed and committed, its replies are handed to the
queue of the chat they go to, and the handler returns. One task per chat with something to send
sends that chat's replies in the order their updates committed; a reply waiting for a group's
budget keeps only that group's later replies waiting. Actions that spend no chat's budget (the
answer to a button press, command menus) are carried out at once.

Replies are not stored: if the process dies before a reply is sent, it is lost (as it was when
the handler sent it). At shutdown ``drain`` sends what is queued before the transport closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence

from handlers.core.dispatch import Core
from handlers.core.model import AnswerCallback, Incoming, Outgoing, SetCommands
from handlers.core.ports import Messenger

log = logging.getLogger(__name__)

DRAIN_SECONDS = 30.0  # at shutdown: a group's queued replies at one per 4 s, and a margin


def chat_of(action: Outgoing) -> int | None:
    """The chat whose budget ``action`` spends (None: it spends none)."""
    if isinstance(action, AnswerCallback | SetCommands):
        return None
    return action.chat_id


class ChatQueues:
    """Runs updates through the core and sends their replies per chat, in commit order."""

    def __init__(self, core: Core, messenger: Messenger) -> None:
        self.core = core
        self.messenger = messenger
        self._queued: dict[int, deque[list[Outgoing]]] = {}
        self._senders: dict[int, asyncio.Task[None]] = {}
        self._processing = 0
        self._changed = asyncio.Event()

    async def handle(self, update: Incoming) -> None:
        """Process ``update`` (one transaction); queue its replies; return without sending
        them (except those that spend no chat's budget)."""
        self._processing += 1
        try:
            actions = await self.core.process(update)
        finally:
            self._processing -= 1
            self._changed.set()
        await self.put(actions)

    async def put(self, actions: Sequence[Outgoing]) -> None:
        now: list[Outgoing] = []
        per_chat: dict[int, list[Outgoing]] = {}
        for action in actions:
            chat_id = chat_of(action)
            if chat_id is None:
                now.append(action)
            else:
                per_chat.setdefault(chat_id, []).append(action)
        for chat_id, batch in per_chat.items():
            self._queued.setdefault(chat_id, deque()).append(batch)
            if chat_id not in self._senders:
                self._senders[chat_id] = asyncio.create_task(self._send(chat_id))
        if now:
            await self.core.send(now, self.messenger)

    @property
    def pending(self) -> int:
        """Replies queued and not yet sent (those on their way included)."""
        return sum(len(batch) for queue in self._queued.values() for batch in queue)

    async def _send(self, chat_id: int) -> None:
        queue = self._queued[chat_id]
        try:
            while queue:
                batch = queue[0]
                try:
                    await self.core.send(batch, self.messenger)
                except Exception:
                    log.exception("replies to chat %s failed", chat_id)
                queue.popleft()
        finally:
            del self._queued[chat_id], self._senders[chat_id]
            self._changed.set()

    async def drain(self, timeout: float = DRAIN_SECONDS) -> None:  # noqa: ASYNC109
        """Wait for the updates in progress and send every queued reply (at most ``timeout``
        seconds; what is left then is logged and dropped)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._processing or self._senders:
            remaining = deadline - loop.time()
            if remaining <= 0:
                log.warning("shutdown: %d direct replies not sent", self.pending)
                for task in list(self._senders.values()):
                    task.cancel()
                await asyncio.gather(*self._senders.values(), return_exceptions=True)
                return
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
