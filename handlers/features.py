"""What a feature module offers the core: its commands, button handlers, plain-text handler
and delivery trackers. Each feature module exports one ``FEATURE``; ``dispatch`` collects them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from handlers.commands import Command
from handlers.context import Context
from handlers.model import CallbackPress, IncomingMessage
from storage.uow import UnitOfWork

# A button press; gets the callback data after "prefix:".
CallbackHandler = Callable[[Context, CallbackPress, str], Awaitable[None]]
# A message that is not a command (text or caption); returns True if it handled it.
TextHandler = Callable[[Context, IncomingMessage], Awaitable[bool]]
# Told the Telegram message id of something the bot sent with ``track=(kind, ref)``.
Tracker = Callable[[UnitOfWork, int, int], Awaitable[None]]


@dataclass(frozen=True)
class Feature:
    name: str
    commands: tuple[Command, ...] = ()
    callbacks: Mapping[str, CallbackHandler] = field(default_factory=dict)
    on_text: TextHandler | None = None
    trackers: Mapping[str, Tracker] = field(default_factory=dict)
