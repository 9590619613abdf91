"""The few ports the core talks through; adapters and storage implement them."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol

from handlers.core.model import BotInfo, Delivered, Outgoing


class SendError(Exception):
    """Telegram refused an outgoing action; adapters translate framework errors into this."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class Messenger(Protocol):
    """Carries out outgoing actions on Telegram (or on the console)."""

    async def perform(self, action: Outgoing) -> Delivered: ...

    async def bot_info(self) -> BotInfo: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def __init__(self, timezone: tzinfo) -> None:
        self._timezone = timezone

    def now(self) -> datetime:
        return datetime.now(self._timezone)
