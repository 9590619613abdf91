"""What a use-case gets: the update's unit of work, who is acting, and where replies go."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import time
from zoneinfo import ZoneInfo

from handlers.faq_knowledge import FaqKnowledge
from handlers.model import (
    BotInfo,
    Chat,
    IncomingMessage,
    Keyboard,
    Outgoing,
    Replies,
    SendMessage,
    User,
)
from handlers.ports import Clock
from storage.models import Group, Region
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class CoreConfig:
    """The part of the settings the core needs (no secrets)."""

    provincial_admins: frozenset[int]
    timezone: ZoneInfo
    desk_chat_id: int | None = None
    end_of_day: time = time(18, 0)  # a deadline given as a date alone means this time


@dataclass(frozen=True)
class Actor:
    """The person behind an update and the rights they hold."""

    user: User | None
    is_provincial_admin: bool = False
    coordinator_regions: tuple[Region, ...] = ()

    @property
    def is_coordinator(self) -> bool:
        return bool(self.coordinator_regions)

    def coordinates(self, region_id: int | None) -> bool:
        return region_id is not None and any(r.id == region_id for r in self.coordinator_regions)

    def may_manage(self, region_id: int | None) -> bool:
        """Provincial admins manage every region; coordinators only their own."""
        return self.is_provincial_admin or self.coordinates(region_id)

    @property
    def role_text(self) -> str:
        if self.is_provincial_admin:
            return "省级管理员"
        if self.coordinator_regions:
            names = "、".join(r.name for r in self.coordinator_regions)
            return f"市州协调员（{names}）"
        return "成员"


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
    knowledge: FaqKnowledge = field(default_factory=FaqKnowledge)
    after_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

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
