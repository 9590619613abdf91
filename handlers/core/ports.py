"""The few ports the core talks through; adapters and storage implement them."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Protocol, runtime_checkable

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


class FileUnavailable(Exception):
    """A file could not be fetched (too large, gone, or no way to fetch files here)."""


@runtime_checkable
class FileSource(Protocol):
    """Fetches a file a user sent (``Attachment.file_id``)."""

    async def download(self, file_id: str, limit: int) -> bytes:
        """The file's bytes; ``FileUnavailable`` if it is larger than ``limit`` or gone."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def __init__(self, timezone: tzinfo) -> None:
        self._timezone = timezone

    def now(self) -> datetime:
        return datetime.now(self._timezone)
