"""What a use-case gets: the update's unit of work, who is acting, and where replies go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from handlers.core.access import Actor
from handlers.core.config import CoreConfig
from handlers.core.model import (
    BotInfo,
    Chat,
    IncomingMessage,
    Keyboard,
    Outgoing,
    Replies,
    SendMessage,
)
from handlers.core.ports import Clock, FileSource
from storage.directory import Group
from storage.uow import UnitOfWork

T = TypeVar("T")


class Services:
    """Long-lived services a feature provides at start for its handlers (e.g. the FAQ index),
    found by their type, so that the core need not know them."""

    def __init__(self) -> None:
        self._by_type: dict[type, object] = {}

    def provide(self, service: object) -> None:
        self._by_type[type(service)] = service

    def get(self, kind: type[T]) -> T:
        found = self._by_type.get(kind)
        if not isinstance(found, kind):
            raise LookupError(f"no {kind.__name__} was provided at start")
        return found

    def find(self, kind: type[T]) -> T | None:
        found = self._by_type.get(kind)
        return found if isinstance(found, kind) else None


@dataclass
class Context:
    """Everything one update's handler may touch. Replies are sent after the commit."""

    uow: UnitOfWork
    config: CoreConfig
    clock: Clock
    bot: BotInfo
    actor: Actor
    chat: Chat | None
    group: Group | None = None
    replies: Replies = field(default_factory=Replies)
    message: IncomingMessage | None = None
    services: Services = field(default_factory=Services)
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    files: FileSource | None = None  # fetches users' files, where the transport can
    # Set by a text handler (or a command) that took a message but lets the text handlers of
    # this stage and later look at it too (a progress update that also reports a problem).
    pass_on_to: int | None = None

    def reply(
        self, text: str, buttons: Keyboard = (), track: tuple[str, int] | None = None
    ) -> None:
        """Answer the incoming message: in groups as a reply to it, in private plainly."""
        if self.chat is None:
            return
        reply_to = None
        if self.message is not None and self.chat.is_group:
            reply_to = self.message.message_id
        self.replies.add(SendMessage(self.chat.id, text, reply_to, buttons, track))

    def send(
        self,
        chat_id: int,
        text: str,
        buttons: Keyboard = (),
        reply_to: int | None = None,
        track: tuple[str, int] | None = None,
    ) -> None:
        self.replies.add(SendMessage(chat_id, text, reply_to, buttons, track))

    def add(self, action: Outgoing) -> None:
        self.replies.add(action)

    @property
    def actions(self) -> Sequence[Outgoing]:
        return self.replies.actions
