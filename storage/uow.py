"""The unit of work: one session and transaction per update, committed once by the use-case."""

from __future__ import annotations

import asyncio
from contextvars import Token
from types import TracebackType
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from storage.base import READ_ONLY, READ_ONLY_SESSION, WriteNeeded
from storage.deadlines import Deadlines
from storage.directory import Grants, Groups, People, Regions
from storage.directory_cache import DIRECTORY  # noqa: F401 (its hooks bump the version)
from storage.faq import FaqRepository
from storage.notices import Notices
from storage.outbox import Outbox
from storage.status import StatusRepository
from storage.status_rounds import StatusRounds
from storage.tickets import Tickets
from storage.updates import ProcessedUpdates
from storage.write_turns import wait_for_turn

SessionFactory = async_sessionmaker[AsyncSession]


@event.listens_for(Session, "before_flush")
def _refuse_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    if session.info.get(READ_ONLY_SESSION) and (
        session.new or session.deleted or any(session.is_modified(o) for o in session.dirty)
    ):
        raise WriteNeeded("a flush with changes")


@event.listens_for(Session, "do_orm_execute")
def _refuse_statement(state: ORMExecuteState) -> None:
    if state.session.info.get(READ_ONLY_SESSION) and (
        state.is_insert or state.is_update or state.is_delete
    ):
        raise WriteNeeded("a data-changing statement")


class UnitOfWork:
    """Repositories over one session. Leaving the block without ``commit()`` rolls back.

    A ``read_only`` unit of work takes no write lock (on SQLite its transaction is a plain,
    deferred BEGIN) and raises ``WriteNeeded`` as soon as anything would be written: a flush
    with changes, an INSERT, UPDATE or DELETE statement. Whoever opened it then does the work
    again in a normal one; what the first attempt did is rolled back and forgotten.

    On SQLite a normal unit first waits for its turn to write (``storage.write_turns``)."""

    def __init__(self, sessions: SessionFactory, read_only: bool = False) -> None:
        self._sessions = sessions
        self.read_only = read_only
        self._read_only_token: Token[bool] | None = None
        self._turn: asyncio.Lock | None = None

    async def __aenter__(self) -> UnitOfWork:
        if not self.read_only:
            self._turn = await wait_for_turn(self._sessions)
        self.session = self._sessions()
        if self.read_only:
            self.session.info[READ_ONLY_SESSION] = True
            self._read_only_token = READ_ONLY.set(True)
        self.updates = ProcessedUpdates(self.session)
        self.regions = Regions(self.session)
        self.groups = Groups(self.session)
        self.people = People(self.session)
        self.grants = Grants(self.session)
        self.faq = FaqRepository(self.session)
        self.outbox, self.notices = Outbox(self.session), Notices(self.session)
        self.deadlines = Deadlines(self.session)
        self.tickets = Tickets(self.session)
        self.status = StatusRepository(self.session)
        self.status_rounds = StatusRounds(self.session)
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
            if self._read_only_token is not None:
                READ_ONLY.reset(self._read_only_token)
                self._read_only_token = None
            if self._turn is not None:
                self._turn.release()
                self._turn = None

    def has_changes(self) -> bool:
        """Whether the session holds changes not yet flushed (an object added, deleted or
        modified): something a read-only attempt would have had to write."""
        session = self.session.sync_session
        if session.new or session.deleted:
            return True
        return any(session.is_modified(obj) for obj in session.dirty)

    async def commit(self) -> None:
        await self.session.commit()
