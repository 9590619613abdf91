"""Small helpers to talk to the core through the console transport and read its answers."""

from __future__ import annotations

from bot.transports.console import ConsoleSession
from handlers.core.model import Chat, ReplyTarget, User


async def say(
    console: ConsoleSession, user: User, chat: Chat, text: str, reply_to: ReplyTarget | None = None
) -> list[str]:
    """Send ``text`` as ``user`` in ``chat``; the texts the bot sent back, in order."""
    before = len(console.messenger.sent)
    await console.message(user, chat, text, reply_to)
    return [text for _, text in console.messenger.sent[before:]]


async def reply_to(
    console: ConsoleSession, user: User, chat: Chat, text: str, reply: ReplyTarget | None = None
) -> str:
    """Like ``say`` but expects exactly one answer, in the same chat."""
    before = len(console.messenger.sent)
    await console.message(user, chat, text, reply)
    sent = console.messenger.sent[before:]
    assert len(sent) == 1, f"expected one reply to {text!r}, got {sent!r}"
    assert sent[0][0] == chat.id, f"reply went to chat {sent[0][0]}, not {chat.id}"
    return sent[0][1]
