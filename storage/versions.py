"""Version counters: a row of ``versions`` that every transaction changing certain tables
bumps, in that same transaction, so that in-memory copies of those tables (the directory cache, the
status feature's index of project names) know when they are stale with one read by primary
key, even when another process made the change.

The session hooks see ORM flushes and bulk statements alike. The bump comes before the change
itself, so on PostgreSQL every such transaction takes the version row's lock first (no
deadlock between two of them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, String, event, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import (
    DeclarativeBase,
    InstanceState,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    mapped_column,
)

from storage.base import READ_ONLY_SESSION, Base, WriteNeeded


class Version(Base):
    """One row per counter (the migrations create them)."""

    __tablename__ = "versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class VersionCounter:
    """The counter ``name``, bumped by every transaction that changes ``models``. ``ignored``:
    per model, columns whose change alone is not a change of the watched data (a project's
    copy of its latest figures, say)."""

    def __init__(
        self,
        name: str,
        models: tuple[type[DeclarativeBase], ...],
        ignored: Mapping[type[DeclarativeBase], frozenset[str]] | None = None,
    ) -> None:
        row = Version.name == name
        self._bump = update(Version).where(row).values(version=Version.version + 1)
        self._read = select(Version.version).where(row)
        self._key = f"{name}_version_bumped"
        self._models = models
        self._ignored = dict(ignored or {})
        self.tables = frozenset(model.__tablename__ for model in models)
        self.committed = 0  # how many changes this process has committed (any session)
        event.listen(Session, "before_flush", self._on_flush)
        event.listen(Session, "do_orm_execute", self._on_statement)
        event.listen(Session, "after_commit", self._on_commit)

    async def read(self, session: AsyncSession) -> int | None:
        """The version as this transaction sees it (None if the row is missing)."""
        return await session.scalar(self._read)

    def wrote(self, session: AsyncSession) -> bool:
        """Whether this transaction changed the watched tables: rows it reads may be its own,
        uncommitted (a rollback may undo them), so copies of them must not be kept."""
        transaction = session.sync_session.get_transaction()
        return transaction is not None and session.info.get(self._key) is transaction

    def _bump_once(self, session: Session) -> None:
        if session.info.get(READ_ONLY_SESSION):
            raise WriteNeeded(f"{', '.join(sorted(self.tables))} change")
        transaction = session.get_transaction()
        if transaction is None or session.info.get(self._key) is transaction:
            return
        session.info[self._key] = transaction
        session.connection().execute(self._bump)

    def _changes(self, obj: object) -> bool:
        """Whether a modified object changed more than its ignored columns."""
        ignored = self._ignored.get(type(obj))  # type: ignore[arg-type]
        state = inspect(obj)
        assert isinstance(state, InstanceState)
        return any(
            attribute.history.has_changes()
            for attribute in state.attrs
            if not ignored or attribute.key not in ignored
        )

    def _on_flush(self, session: Session, _context: UOWTransaction, _instances: Any) -> None:
        watched = self._models
        if any(isinstance(obj, watched) for obj in (*session.new, *session.deleted)) or any(
            isinstance(obj, watched) and self._changes(obj) for obj in session.dirty
        ):
            self._bump_once(session)

    def _on_statement(self, state: ORMExecuteState) -> None:
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in self.tables:
            self._bump_once(state.session)

    def _on_commit(self, session: Session) -> None:
        if session.info.pop(self._key, None) is not None:
            self.committed += 1
