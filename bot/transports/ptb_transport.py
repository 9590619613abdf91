"""python-telegram-bot 22 adapter: translates updates into the core's model and carries out
its actions."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

# Opt in to PTB's future behaviour (timedelta periods) instead of a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import Application, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.startup import until_reached
from bot.transports import Deliver
from bot.transports.bot_api import Kit, perform
from bot.transports.translate import ALLOWED_UPDATES, to_incoming
from handlers.core.dispatch import Core
from handlers.core.model import (
    BotInfo,
    CommandScope,
    Delivered,
    Keyboard,
    Outgoing,
)
from handlers.core.ports import FileUnavailable, SendError
from handlers.core.replies import ChatQueues

# Updates being processed at once (one database transaction each). Updates waiting for an
# earlier one of their own chat do not count, so a busy group never holds up other chats.
CONCURRENT_UPDATES = 16

_SCOPES = {
    CommandScope.PRIVATE: BotCommandScopeAllPrivateChats,
    CommandScope.GROUPS: BotCommandScopeAllGroupChats,
    CommandScope.GROUP_ADMINS: BotCommandScopeAllChatAdministrators,
}


def _markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    return InlineKeyboardMarkup(rows)


_KIT = Kit(
    reply_to=lambda message_id: ReplyParameters(message_id, allow_sending_without_reply=True),
    markup=_markup,
    upload=lambda content, filename: InputFile(content, filename=filename),
    command=BotCommand,
    scope=lambda scope: _SCOPES[scope](),
)


class PtbMessenger:
    """The messenger port over a PTB ``Bot``."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def bot_info(self) -> BotInfo:
        me = await self._bot.get_me()
        return BotInfo(
            me.id, me.username or "", bool(me.can_read_all_group_messages), me.first_name
        )

    async def perform(self, action: Outgoing) -> Delivered:
        try:
            return await perform(self._bot, _KIT, action)
        except TelegramError as error:
            raise _send_error(error) from error

    async def download(self, file_id: str, limit: int) -> bytes:
        """A user's file (getFile, then the download), refused above ``limit`` bytes."""
        try:
            found = await self._bot.get_file(file_id)
            if (found.file_size or 0) > limit:
                raise FileUnavailable(f"file {file_id} is over {limit} bytes")
            content = bytes(await found.download_as_bytearray())
        except TelegramError as error:
            raise FileUnavailable(str(error)) from error
        if len(content) > limit:
            raise FileUnavailable(f"file {file_id} is over {limit} bytes")
        return content


def _send_error(error: TelegramError) -> SendError:
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return SendError(error.message, permanent=False, retry_after=seconds)
    if isinstance(error, ChatMigrated):
        return SendError(f"migrated to {error.new_chat_id}", permanent=True)
    if isinstance(error, Forbidden | BadRequest):
        return SendError(error.message, permanent=True)
    if isinstance(error, NetworkError):
        return SendError(error.message, permanent=False)
    return SendError(error.message, permanent=False)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates run concurrently, but one chat's updates one at a time and in the order they
    came (PTB starts each update's task in order; ``asyncio.Lock`` serves waiters in order).

    PTB's own bound (``max_concurrent_updates``) is taken before ``do_process_update``, so it is
    set high; the real bound, ``limit``, is taken only once the update's chat is free: updates
    queued behind their chat's earlier ones take no slot from other chats."""

    def __init__(self, limit: int) -> None:
        super().__init__(max_concurrent_updates=2**16)
        self._slots = asyncio.Semaphore(limit)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}  # lock, updates using it

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            async with self._slots:
                await coroutine
            return
        lock, users = self._chats.get(chat.id) or (asyncio.Lock(), 0)
        self._chats[chat.id] = (lock, users + 1)
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            lock, users = self._chats[chat.id]
            if users == 1:
                del self._chats[chat.id]
            else:
                self._chats[chat.id] = (lock, users - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _transient(error: BaseException) -> float | None:
    """Seconds Telegram asked to wait when trying again may help, else None."""
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        return 0.0  # connection failures, time-outs, 5xx
    return None


def _refused(error: BaseException) -> bool:
    return isinstance(error, InvalidToken)


def create_application(token: str, api_base: str, proxy: str | None = None) -> Application:
    """An application whose every call, long poll and file download goes to ``api_base``,
    through ``proxy`` when given (http:// or socks5://, credentials in the URL; httpx[socks])."""
    builder = (
        Application.builder()
        .token(token)
        .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
        .base_url(f"{api_base}/bot")
        .base_file_url(f"{api_base}/file/bot")
        .get_updates_read_timeout(20)
    )
    if proxy is not None:
        builder = builder.proxy(proxy).get_updates_proxy(proxy)
    return builder.build()


async def run_polling(
    core: Core,
    token: str,
    api_base: str,
    stop: asyncio.Event,
    deliver: Deliver,
    proxy: str | None = None,
) -> None:
    """Long-poll Telegram until ``stop`` is set. Updates run concurrently, one chat's in order
    (``PerChatUpdateProcessor``); replies go out per chat after the commit (``ChatQueues``)."""
    application = create_application(token, api_base, proxy)

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        incoming = to_incoming(update.to_dict())
        if incoming is not None:
            await replies.handle(incoming)

    application.add_handler(TypeHandler(Update, on_update))

    async def reach() -> None:
        await application.bot.initialize()  # getMe
        await application.bot.delete_webhook(drop_pending_updates=False)

    try:
        reached = await until_reached(
            reach, where=api_base, transient=_transient, refused=_refused, stop=stop
        )
    except BaseException:
        await application.bot.shutdown()  # its HTTP clients
        raise
    if not reached:
        await application.bot.shutdown()
        return
    async with application, deliver(PtbMessenger(application.bot)) as messenger:
        replies = ChatQueues(core, messenger)
        await core.start(messenger)
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=10)
        await stop.wait()
        if application.updater.running:
            await application.updater.stop()
        await application.stop()  # waits for the updates in progress
        await replies.drain()
