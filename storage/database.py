"""Engine creation and schema migration (Alembic, run programmatically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from storage.uow import SessionFactory

MIGRATIONS = Path(__file__).with_name("migrations")


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
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling breaks SAVEPOINTs; we emit BEGIN ourselves.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent updates queue on busy_timeout
    # instead of failing with "database is locked" when a reader later tries to write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


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
    try:
        connection = await engine.connect()
    except Exception as error:
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


def _sqlstate(error: DBAPIError) -> str:
    return str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or "")


def _reason(error: BaseException) -> str:
    """The driver's own words, on one line (not SQLAlchemy's wrapping, SQL and links)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    words = " ".join(str(cause).split()) or type(cause).__name__
    # asyncpg's errors arrive wrapped in the dialect's adapter ("<class '...'>: message")
    words = words.split(">: ", 1)[-1] if words.startswith("<class ") else words
    return words[:300]
