"""Updates already handled: a re-delivered Telegram update has no effect the second time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, UtcDateTime, insert_if_new


class ProcessedUpdate(Base):
    """Updates already handled. The unique key makes a re-delivered update a no-op even when
    two workers race; the fingerprint keeps a recycled update_id from being taken for a repeat."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("update_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger)
    fingerprint: Mapped[str] = mapped_column(String(128))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class ProcessedUpdates:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, update_id: int, fingerprint: str, now: datetime) -> bool:
        """Record the update as processed; False if it already was (by us or a racing worker).

        The unique constraint decides, inside the update's own transaction: if the handler
        fails, the claim rolls back with it and a re-delivery is processed again.
        """
        values = {"update_id": update_id, "fingerprint": fingerprint, "processed_at": now}
        return await insert_if_new(
            self._session, ProcessedUpdate, ("update_id", "fingerprint"), values
        )

    async def prune(self, before: datetime) -> int:
        """Forget updates older than Telegram's re-delivery window."""
        result = await self._session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
