"""Two replicas (processes) started at once on a fresh database (a first deploy) both come up:
their start-up migrations take turns instead of both creating the tables."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import create_engine
from tests.conftest import BACKENDS

ROOT = Path(__file__).resolve().parent.parent
STARTS = 2
ROUNDS = 3  # each on a fresh database


async def _on_server(*statements: str) -> None:
    """Run statements on TEST_DATABASE_URL's server, outside any transaction."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    server = create_async_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await server.dispose()


def _own_database(suffix: str) -> tuple[str, str]:
    """A database name of this test's own (beside TEST_DATABASE_URL's) and its URL."""
    base = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{base.database}_{suffix}"
    return name, base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=BACKENDS)
async def fresh_urls(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[list[str]]:
    if request.param == "sqlite":
        yield [f"sqlite+aiosqlite:///{tmp_path}/race-{n}.sqlite3" for n in range(ROUNDS)]
    else:
        databases = [_own_database(f"race{n}") for n in range(ROUNDS)]
        for name, _ in databases:
            await _on_server(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
            )
        yield [url for _, url in databases]
        for name, _ in databases:
            await _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Each replica loads everything first, then waits for one line on stdin: both migrate at once.
_REPLICA = (
    "import sys; from bot.cli import main; sys.stdin.readline(); sys.exit(main(['db', 'upgrade']))"
)


async def _start_together(url: str) -> list[tuple[int | None, str]]:
    env = {**os.environ, "DATABASE_URL": url}
    replicas = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _REPLICA,
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(STARTS)
    ]
    outputs = await asyncio.gather(*(r.communicate(b"go\n") for r in replicas))
    return [(r.returncode, out.decode()) for r, (out, _) in zip(replicas, outputs, strict=True)]


async def test_simultaneous_starts_on_a_fresh_database_all_migrate(fresh_urls: list[str]) -> None:
    for url in fresh_urls:
        for code, output in await _start_together(url):
            assert code == 0 and "Traceback" not in output, output
            assert "database is up to date" in output
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                assert await connection.scalar(text("select count(*) from regions")) == 21
                versions = await connection.scalar(text("select count(*) from alembic_version"))
                assert versions == 1
        finally:
            await engine.dispose()
