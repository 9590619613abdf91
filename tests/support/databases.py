"""Test databases: one migrated once per test session and backend, reset for every test.

Migrating (Alembic) and syncing the bundled FAQ knowledge take about a second, so it is done
once per session. SQLite: each test gets a copy of the prepared file. PostgreSQL: creating a
database from a template and dropping it costs about as much as migrating (both wait for the
disk), so the tests share one working database instead, put back before each test to the
prepared state: every table emptied and refilled with the rows it had once prepared, every
sequence set back (a few milliseconds). Databases made here are named after the configured
one (TEST_DATABASE_URL) and this process, so concurrent runs on one server never touch each
other's databases.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")


def run_private(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` on an event loop of its own (fixtures that run outside any test's loop)."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(work())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


# --- SQLite --------------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def copy_sqlite(template: Path, folder: Path, name: str = "shanlin-test.sqlite3") -> str:
    """A copy of the prepared SQLite database in ``folder``; its URL."""
    target = folder / name
    shutil.copyfile(template, target)
    return sqlite_url(target)


def sqlite_is_closed(path: Path) -> bool:
    """Whether the database at ``path`` is all in its main file (WAL checkpointed on close)."""
    return not Path(f"{path}-wal").exists()


# --- PostgreSQL ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[Any, ...]]


@dataclass(frozen=True)
class Snapshot:
    """Every table's rows and every sequence's state (value, whether it was used)."""

    tables: tuple[_Table, ...]
    sequences: tuple[tuple[str, int, bool], ...]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class PostgresDatabases:
    """Databases of one test session on the server of ``url`` (a SQLAlchemy asyncpg URL).

    ``working`` is the tests' database, ``empty`` one for the tests of migrations themselves.
    The configured database itself is only connected to, to create and drop these."""

    def __init__(self, url: str) -> None:
        server, _, base = url.rpartition("/")
        self._server = server.replace("postgresql+asyncpg://", "postgresql://")
        self._sqlalchemy_server = server
        self._admin_dsn = url.replace("postgresql+asyncpg://", "postgresql://")
        prefix = f"{base}_p{os.getpid()}"
        self.working = f"{prefix}_work"
        self.empty = f"{prefix}_empty"
        self._snapshot: Snapshot | None = None

    def url(self, name: str) -> str:
        """The SQLAlchemy URL of database ``name``."""
        return f"{self._sqlalchemy_server}/{name}"

    async def _connect(self, name: str | None = None) -> asyncpg.Connection:
        dsn = f"{self._server}/{name}" if name else self._admin_dsn
        return await asyncpg.connect(dsn, timeout=30)

    async def create(self, name: str) -> str:
        """A new empty database ``name`` (one left by an earlier run is dropped); its URL."""
        admin = await self._connect()
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
            await admin.execute(f"CREATE DATABASE {_quote(name)}")
        finally:
            await admin.close()
        return self.url(name)

    async def drop(self, *names: str) -> None:
        admin = await self._connect()
        try:
            for name in names:
                await admin.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
        finally:
            await admin.close()

    async def empty_schema(self, name: str) -> str:
        """Database ``name`` with nothing in it (created if missing); its URL."""
        connection = await self._connect(name)
        try:
            await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        finally:
            await connection.close()
        return self.url(name)

    async def take_snapshot(self, name: str) -> None:
        """Remember the contents of database ``name``; :meth:`restore` puts them back."""
        connection = await self._connect(name)
        try:
            tables = []
            names = await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
            for (table,) in names:
                columns = await connection.fetch(
                    "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass "
                    "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    f"public.{_quote(table)}",
                )
                rows = await connection.fetch(f"SELECT * FROM public.{_quote(table)}")
                column_names = tuple(column for (column,) in columns)
                tables.append(_Table(table, column_names, [tuple(row) for row in rows]))
            sequences = await connection.fetch(
                "SELECT sequencename, coalesce(last_value, start_value), last_value IS NOT NULL "
                "FROM pg_sequences WHERE schemaname = 'public' ORDER BY sequencename"
            )
        finally:
            await connection.close()
        self._snapshot = Snapshot(tuple(tables), tuple((s, v, c) for s, v, c in sequences))

    async def restore(self, name: str) -> str:
        """Put database ``name`` back as it was at :meth:`take_snapshot`; its URL.

        Whoever is still connected to it (an engine a test left open, a bot process) is
        disconnected first, as DROP DATABASE … WITH (FORCE) would. Rows are deleted rather than
        truncated: TRUNCATE makes new files for every table and index and waits for the disk."""
        snapshot = self._snapshot
        assert snapshot is not None, "take_snapshot first"
        connection = await self._connect(name)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            async with connection.transaction():
                # Rows go back as they were; foreign keys are not re-checked meanwhile.
                statements = ["SET LOCAL session_replication_role = replica"]
                statements += [f"DELETE FROM public.{_quote(t.name)}" for t in snapshot.tables]
                statements += [
                    f"SELECT setval('public.{_quote(sequence)}', {value:d}, {called})"
                    for sequence, value, called in snapshot.sequences
                ]
                await connection.execute(";\n".join(statements))  # one round trip
                for table in snapshot.tables:
                    if table.rows:
                        await connection.copy_records_to_table(
                            table.name,
                            records=table.rows,
                            columns=table.columns,
                            schema_name="public",
                        )
        finally:
            await connection.close()
        return self.url(name)
