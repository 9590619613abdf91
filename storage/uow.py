"""The unit of work: one session and transaction per update, committed once by the use-case."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.deadlines import Deadlines
from storage.directory import Grants, Groups, People, Regions
from storage.faq import FaqRepository
from storage.notices import Notices
from storage.outbox import Outbox
from storage.tickets import Tickets
from storage.updates import ProcessedUpdates

SessionFactory = async_sessionmaker[AsyncSession]


class UnitOfWork:
    """Repositories over one session. Leaving the block without ``commit()`` rolls back."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.updates = ProcessedUpdates(self.session)
        self.regions = Regions(self.session)
        self.groups = Groups(self.session)
        self.people = People(self.session)
        self.grants = Grants(self.session)
        self.faq = FaqRepository(self.session)
        self.outbox, self.notices = Outbox(self.session), Notices(self.session)
        self.deadlines = Deadlines(self.session)
        self.tickets = Tickets(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
