"""Engine creation and schema migration (Alembic, run programmatically)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.base import READ_ONLY
from storage.uow import SessionFactory

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# How long a SQLite transaction waits for the write lock before "database is locked" (the core
# then re-runs the update). Transactions hold the lock for milliseconds, so a wait this long
# means something is wrong: better an error and a retry than a bot frozen for half a minute.
SQLITE_BUSY_TIMEOUT_S = 5.0
# How long a failed connection attempt's driver thread may take to end.
DRIVER_THREAD_WAIT_S = 5.0
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


class DatabaseUnavailable(Exception):
    """The database cannot be reached, opened or written: a matter for the operator (address,
    server, permissions, disk), not a fault of the code."""

    def __init__(self, url: str, problem: str) -> None:
        super().__init__(f"{url} {problem}")
        self.url = url  # password hidden
        self.problem = problem


def display_url(url: str) -> str:
    """The database URL as it may be shown and logged: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unparsable URL)"


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
    _to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _to_wal(cursor: sqlite3.Cursor) -> None:
    """Switch a file to WAL. Two processes opening a new file at once (a first deploy) can both
    ask for the switch's exclusive lock while holding a shared one; SQLite then fails one at
    once, without the busy timeout (that wait could never end): it tries again shortly."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # on the driver's own thread, not the event loop


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


# PostgreSQL advisory lock key taken while migrating (any constant unique to this application).
MIGRATION_LOCK = 0x5348_414E_4C49_4E  # "SHANLIN"


# SQLSTATEs of a server that will not let us write: read-only transaction (a standby),
# insufficient privilege, disk full, out of memory, too many connections (class 53).
_CANNOT_WRITE_SQLSTATES = ("25006", "42501", "53")


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` and make sure the database takes writes; safe to
    run at every start, and by several processes at once: on PostgreSQL they take turns under
    an advisory lock held until the migration commits (the later ones then find the schema up
    to date); SQLite's BEGIN IMMEDIATE already makes them queue.

    DatabaseUnavailable when the database cannot be reached, opened or written."""
    url = engine.url.render_as_string(hide_password=True)
    threads = set(threading.enumerate())
    try:
        connection = await engine.connect()
    except Exception as error:
        if engine.dialect.name == "sqlite":
            await _driver_threads_ended(threads)
        problem = f"cannot be reached or opened: {_reason(error)}"
        raise DatabaseUnavailable(url, problem) from error
    try:
        async with connection.begin():
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await connection.run_sync(_upgrade, revision)
            # an up-to-date schema migrates without writing: prove a write goes through
            await connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except DBAPIError as error:
        if isinstance(error, OperationalError) or _sqlstate(error).startswith(
            _CANNOT_WRITE_SQLSTATES
        ):
            raise DatabaseUnavailable(url, f"cannot be written: {_reason(error)}") from error
        raise
    finally:
        await connection.close()


async def _driver_threads_ended(before: set[threading.Thread]) -> None:
    """Wait, with the event loop running, for the threads a failed connection attempt started.

    aiosqlite opens a SQLite file on a thread of its own (one per connection); when that fails,
    it queues the thread's stop and the thread reports back to the event loop. A command that
    exits at once (``shanlin run`` on an unusable database) would close the loop first, and the
    thread would die with a traceback ("Event loop is closed") after the one-line error."""
    for thread in threading.enumerate():
        if thread not in before:
            await asyncio.to_thread(thread.join, DRIVER_THREAD_WAIT_S)


def _sqlstate(error: DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or "")


def _reason(error: BaseException) -> str:
    """The driver's own words, on one line (not SQLAlchemy's wrapping, SQL and links)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    words = " ".join(str(cause).split()) or type(cause).__name__
    # asyncpg's errors arrive wrapped in the dialect's adapter ("<class '...'>: message")
    words = words.split(">: ", 1)[-1] if words.startswith("<class ") else words
    return words[:300]
