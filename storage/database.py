"""Engine creation and schema migration (Alembic, run programmatically)."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.base import READ_ONLY
from storage.uow import SessionFactory

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# How long a SQLite transaction waits for the write lock before "database is locked" (the core
# then re-runs the update). Transactions hold the lock for milliseconds, so a wait this long
# means something is wrong: better an error and a retry than a bot frozen for half a minute.
SQLITE_BUSY_TIMEOUT_S = 5.0
# A wait for the write lock longer than this is logged (once per wait).
SLOW_LOCK_WAIT_S = 1.0


class _ClosingCursor(sqlite3.Cursor):
    """A cursor that closes itself, on the connection's own thread, when its statement fails.

    aiosqlite runs each statement on a worker thread; SQLAlchemy's adapter closes a cursor
    after success, but after an error (a unique key, a lock wait that ran out) it leaves the
    cursor open, often in a reference cycle with the exception. The garbage collector then
    finalises it on the event loop's thread, which blocks on the connection's mutex while the
    worker waits for the write lock, held by a transaction that needs the event loop to finish:
    the whole bot froze until the busy timeout. Closed here, nothing is left for the collector.
    """

    def execute(self, sql: str, parameters: Any = (), /) -> _ClosingCursor:
        try:
            return super().execute(sql, parameters)
        except BaseException:
            self.close()
            raise

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> _ClosingCursor:
        try:
            return super().executemany(sql, parameters)
        except BaseException:
            self.close()
            raise


class _ClosingConnection(sqlite3.Connection):
    def cursor(self, factory: Any = _ClosingCursor) -> Any:
        return super().cursor(factory)


def create_engine(url: str) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_S, "factory": _ClosingConnection}
        engine = create_async_engine(url, connect_args=connect_args)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        event.listen(engine.sync_engine, "commit", _sqlite_end)
        event.listen(engine.sync_engine, "rollback", _sqlite_end)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling breaks SAVEPOINTs; we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    if READ_ONLY.get():
        connection.exec_driver_sql("BEGIN")  # reads only: no write lock, nothing to wait for
        return
    # IMMEDIATE takes the write lock up front, so concurrent updates queue on busy_timeout
    # instead of failing with "database is locked" when a reader later tries to write.
    started = time.monotonic()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        waited = time.monotonic() - started
        if waited > SLOW_LOCK_WAIT_S:
            log.warning(
                "waited %.1f s for the SQLite write lock (held by another transaction)", waited
            )
    connection.info[_LOCKED_AT] = time.monotonic()


def _sqlite_end(connection: Connection) -> None:
    locked_at = connection.info.pop(_LOCKED_AT, None)
    if locked_at is not None and (held := time.monotonic() - locked_at) > SLOW_LOCK_WAIT_S:
        log.warning(
            "held the SQLite write lock for %.1f s (one transaction)", held, stack_info=True
        )


_LOCKED_AT = "shanlin_write_lock_taken_at"


# PostgreSQL: deadlock detected, serialization failure. SQLite: lock wait ran out.
_TRANSIENT_SQLSTATES = {"40P01", "40001"}


def is_transient(error: DBAPIError) -> bool:
    """Whether re-running the whole transaction may succeed (it lost to a concurrent one)."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in _TRANSIENT_SQLSTATES or "database is locked" in str(error.orig)


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; safe to run at every start."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)
