"""aiogram 3 adapter: translates updates into the core's model and carries out its actions."""

from __future__ import annotations

import asyncio
import logging

# isort: off
from bot.transports import aiogram_models  # noqa: F401  (first: aiogram builds models when used)

# isort: on
import aiohttp
import aiohttp_socks
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    TelegramObject,
    Update,
)

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

log = logging.getLogger(__name__)

_SCOPES = {
    CommandScope.PRIVATE: BotCommandScopeAllPrivateChats,
    CommandScope.GROUPS: BotCommandScopeAllGroupChats,
    CommandScope.GROUP_ADMINS: BotCommandScopeAllChatAdministrators,
}


def _markup(buttons: Keyboard) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    rows = [
        [InlineKeyboardButton(text=b.text, callback_data=b.data) for b in row] for row in buttons
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


_KIT = Kit(
    reply_to=lambda message_id: ReplyParameters(
        message_id=message_id, allow_sending_without_reply=True
    ),
    markup=_markup,
    upload=BufferedInputFile,
    command=lambda name, about: BotCommand(command=name, description=about),
    scope=lambda scope: _SCOPES[scope](),
)


class AiogramMessenger:
    """The messenger port over an aiogram ``Bot``."""

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
        except TelegramAPIError as error:
            raise _send_error(error) from error

    async def download(self, file_id: str, limit: int) -> bytes:
        """A user's file (getFile, then the download), refused above ``limit`` bytes."""
        try:
            found = await self._bot.get_file(file_id)
            if (found.file_size or 0) > limit or not found.file_path:
                raise FileUnavailable(f"file {file_id} is over {limit} bytes or has no path")
            data = await self._bot.download_file(found.file_path)
        except (TelegramAPIError, aiohttp.ClientError) as error:
            raise FileUnavailable(str(error)) from error
        content = data.read() if data is not None else b""
        if len(content) > limit:
            raise FileUnavailable(f"file {file_id} is over {limit} bytes")
        return content


def _send_error(error: TelegramAPIError) -> SendError:
    if isinstance(error, TelegramRetryAfter):
        return SendError(error.message, permanent=False, retry_after=error.retry_after)
    if isinstance(error, TelegramMigrateToChat):
        return SendError(f"migrated to {error.migrate_to_chat_id}", permanent=True)
    if isinstance(error, TelegramServerError | TelegramNetworkError):
        return SendError(error.message, permanent=False)
    if isinstance(error, TelegramForbiddenError | TelegramBadRequest | TelegramNotFound):
        return SendError(error.message, permanent=True)
    return SendError(error.message, permanent=False)


def _transient(error: BaseException) -> float | None:
    """Seconds Telegram asked to wait when trying again may help, else None."""
    if isinstance(error, TelegramRetryAfter):
        return float(error.retry_after)
    if isinstance(error, TelegramNetworkError | TelegramServerError):
        return 0.0
    if isinstance(error, OSError | aiohttp_socks.ProxyError):
        return 0.0  # the proxy cannot be reached, or refused us (aiogram lets these through)
    return None


def _refused(error: BaseException) -> bool:
    return isinstance(error, TelegramUnauthorizedError)


def create_bot(token: str, api_base: str, proxy: str | None = None) -> Bot:
    """A bot whose every call and file download goes to ``api_base``, through ``proxy`` when
    given (http:// or socks5://, credentials in the URL; aiohttp-socks, names resolved by the
    proxy)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base), proxy=proxy)
    return Bot(token, session=session)


async def run_polling(
    core: Core,
    token: str,
    api_base: str,
    stop: asyncio.Event,
    deliver: Deliver,
    proxy: str | None = None,
) -> None:
    """Long-poll Telegram until ``stop`` is set. Updates run concurrently (aiogram's default);
    the core's unit of work and unique keys make that safe. Replies go out per chat after the
    commit (``ChatQueues``), so a reply waiting for its group's budget holds up no update."""
    bot = create_bot(token, api_base, proxy)
    dispatcher = Dispatcher()

    async def on_update(event: TelegramObject, event_update: Update) -> None:
        incoming = to_incoming(event_update.model_dump(mode="json", by_alias=True))
        if incoming is not None:
            await replies.handle(incoming)

    for observer in (
        dispatcher.message,
        dispatcher.edited_message,
        dispatcher.channel_post,
        dispatcher.edited_channel_post,
        dispatcher.callback_query,
        dispatcher.my_chat_member,
    ):
        observer.register(on_update)

    async def reach() -> None:
        await bot.get_me()
        await bot.delete_webhook(drop_pending_updates=False)

    try:
        reached = await until_reached(
            reach, where=api_base, transient=_transient, refused=_refused, stop=stop
        )
        if not reached:
            return
        async with deliver(AiogramMessenger(bot)) as messenger:
            replies = ChatQueues(core, messenger)
            await core.start(messenger)
            polling = asyncio.create_task(
                dispatcher.start_polling(
                    bot, allowed_updates=ALLOWED_UPDATES, handle_signals=False, polling_timeout=10
                )
            )
            stopper = asyncio.create_task(stop.wait())
            await asyncio.wait({stopper, polling}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if not polling.done():
                await dispatcher.stop_polling()
            await polling
            await replies.drain()
    finally:
        await bot.session.close()
