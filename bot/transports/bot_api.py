"""The core's outgoing actions as Bot API calls, for both frameworks.

aiogram's and python-telegram-bot's ``Bot`` objects name the Bot API's methods and parameters
alike (``send_message(chat_id, text, reply_parameters=…)``), so one function carries out every
action; each framework brings only how it builds the objects those calls take (``Kit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.core.model import (
    AnswerCallback,
    CommandScope,
    CopyMessage,
    CreateTopic,
    DeleteMessage,
    Delivered,
    EditCaption,
    EditMessage,
    Keyboard,
    Outgoing,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetCommands,
)


@dataclass(frozen=True, slots=True)
class Kit:
    """How one framework builds what the calls take."""

    reply_to: Callable[[int], Any]  # reply parameters for a message id (sent even if it is gone)
    markup: Callable[[Keyboard], Any]  # an inline keyboard, or None for no buttons
    upload: Callable[[bytes, str], Any]  # a file to upload, with its name
    command: Callable[[str, str], Any]  # a command of the menu and its description
    scope: Callable[[CommandScope], Any]  # where a command menu applies


async def perform(bot: Any, kit: Kit, action: Outgoing) -> Delivered:
    """Carry out ``action`` with ``bot`` (an aiogram or PTB ``Bot``); the framework's errors
    pass through to its transport, which translates them."""
    if isinstance(action, SendMessage):
        sent = await bot.send_message(
            action.chat_id,
            action.text,
            message_thread_id=action.thread_id,
            reply_parameters=_reply(kit, action.reply_to_message_id),
            reply_markup=kit.markup(action.buttons),
        )
        return Delivered(sent.message_id)
    if isinstance(action, EditMessage):
        await bot.edit_message_text(
            text=action.text,
            chat_id=action.chat_id,
            message_id=action.message_id,
            reply_markup=kit.markup(action.buttons),
        )
        return Delivered(action.message_id)
    if isinstance(action, CopyMessage):
        copied = await bot.copy_message(
            action.chat_id,
            action.from_chat_id,
            action.message_id,
            message_thread_id=action.thread_id,
            reply_parameters=_reply(kit, action.reply_to_message_id),
        )
        return Delivered(copied.message_id)
    if isinstance(action, CreateTopic):
        topic = await bot.create_forum_topic(action.chat_id, action.name)
        return Delivered(topic.message_thread_id)
    if isinstance(action, EditCaption):
        await bot.edit_message_caption(
            chat_id=action.chat_id, message_id=action.message_id, caption=action.caption
        )
        return Delivered(action.message_id)
    if isinstance(action, DeleteMessage):
        await bot.delete_message(action.chat_id, action.message_id)
        return Delivered()
    if isinstance(action, AnswerCallback):
        await bot.answer_callback_query(action.callback_id, action.text, action.show_alert)
        return Delivered()
    if isinstance(action, SendDocument):
        document = kit.upload(action.content, action.filename)
        sent = await bot.send_document(action.chat_id, document, caption=action.caption)
        return Delivered(sent.message_id)
    if isinstance(action, SendPhoto):
        photo = kit.upload(action.content, action.filename)
        sent = await bot.send_photo(action.chat_id, photo, caption=action.caption)
        return Delivered(sent.message_id)
    if isinstance(action, SetCommands):
        commands = [kit.command(name, about) for name, about in action.commands]
        await bot.set_my_commands(commands, scope=kit.scope(action.scope))
        return Delivered()
    raise TypeError(f"unknown action {action!r}")


def _reply(kit: Kit, message_id: int | None) -> Any:
    return None if message_id is None else kit.reply_to(message_id)
