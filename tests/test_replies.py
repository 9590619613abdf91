"""Direct replies go out per chat after the commit: one held up (a busy group's rate budget)
holds up neither other chats nor the next updates, and one chat's replies keep their order."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime

from bot.app import App
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.model import BotInfo, Chat, Delivered, IncomingMessage, Outgoing, User
from handlers.core.replies import ChatQueues
from tests.support.people import ADMIN, LUZHOU_GROUP, STAFF, private

PROMPTLY = 5.0  # seconds; only a hang (a reply waited for) comes near it


class HeldMessenger:
    """The console's messenger, except that messages to ``held`` wait until ``release``."""

    def __init__(self, inner: ConsoleMessenger, held: int) -> None:
        self.inner = inner
        self.held = held
        self.release = asyncio.Event()
        self.delivered: defaultdict[int | None, asyncio.Event] = defaultdict(asyncio.Event)

    async def bot_info(self) -> BotInfo:
        return await self.inner.bot_info()

    async def perform(self, action: Outgoing) -> Delivered:
        chat_id = getattr(action, "chat_id", None)
        if chat_id == self.held:
            await self.release.wait()
        delivered = await self.inner.perform(action)
        self.delivered[chat_id].set()
        return delivered


def message(update_id: int, user: User, chat: Chat, text: str) -> IncomingMessage:
    return IncomingMessage(
        update_id=update_id, chat=chat, message_id=update_id, sender=user, text=text,
        date=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
    )  # fmt: skip


async def test_a_held_group_reply_holds_up_neither_a_private_chat_nor_the_next_updates(
    console: ConsoleSession, app: App
) -> None:
    sent = console.messenger.sent
    messenger = HeldMessenger(console.messenger, LUZHOU_GROUP.id)
    queues = ChatQueues(app.core, messenger)
    for update in (
        message(901, STAFF, LUZHOU_GROUP, "/whoami"),
        message(902, STAFF, LUZHOU_GROUP, "/help"),
        message(903, ADMIN, private(ADMIN), "/whoami"),
    ):  # each returns once committed, though the group's replies cannot go out yet
        await asyncio.wait_for(queues.handle(update), PROMPTLY)
    await asyncio.wait_for(messenger.delivered[ADMIN.id].wait(), PROMPTLY)
    assert not any(chat == LUZHOU_GROUP.id for chat, _ in sent)

    messenger.release.set()
    await queues.drain()
    in_group = [text for chat, text in sent if chat == LUZHOU_GROUP.id]
    assert len(in_group) == 2
    assert "Telegram ID" in in_group[0] and "/whoami" in in_group[1]  # /whoami's, then /help's
