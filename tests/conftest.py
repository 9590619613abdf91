"""Shared fixtures: a database on every backend (migrated once per session and copied for each
test), the app, the core and a console."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.settings import Settings, load_settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from tests.support.clock import FakeClock
from tests.support.databases import (
    PostgresDatabases,
    copy_sqlite,
    run_private,
    sqlite_is_closed,
    sqlite_url,
)
from tests.support.indexes import app_services, cached_index
from tests.support.people import ADMIN

__all__ = ["BACKENDS", "ONLY_POSTGRES", "TOKEN", "app_services", "cached_index"]

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"

# SQLite always; PostgreSQL too when TEST_DATABASE_URL names one (.ci/run sets it and fails
# loudly when that server is unreachable, so this list never silently shrinks in CI).
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
if os.environ.get("CI") and "postgresql" not in BACKENDS:
    raise RuntimeError("CI must test PostgreSQL too: set TEST_DATABASE_URL (see .ci/run)")
ONLY_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture(scope="session")
def prepared_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated and holding the bundled knowledge, made once per session."""
    path = tmp_path_factory.mktemp("prepared") / "template.sqlite3"
    run_private(lambda: _prepare(sqlite_url(path)))
    assert sqlite_is_closed(path), "the prepared SQLite database left a WAL file behind"
    return path


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    """This session's databases on the PostgreSQL server of TEST_DATABASE_URL."""
    if not os.environ.get("TEST_DATABASE_URL"):  # `make test` always sets it
        pytest.fail("this test needs PostgreSQL: set TEST_DATABASE_URL (make test does)")
    databases = PostgresDatabases(os.environ["TEST_DATABASE_URL"])
    yield databases
    run_private(lambda: databases.drop(databases.working, databases.empty))


@pytest.fixture(scope="session")
def prepared_postgres(postgres: PostgresDatabases) -> PostgresDatabases:
    """The same on PostgreSQL: the working database, prepared and its contents remembered."""
    url = run_private(lambda: postgres.create(postgres.working))
    run_private(lambda: _prepare(url))
    run_private(lambda: postgres.take_snapshot(postgres.working))
    return postgres


@pytest.fixture(scope="session")
def empty_postgres(postgres: PostgresDatabases) -> PostgresDatabases:
    run_private(lambda: postgres.create(postgres.empty))
    return postgres


async def _prepare(url: str) -> None:
    """What every start does to a database, here once: migrate, sync the bundled knowledge."""
    app = await build_app(_settings(url), FakeClock(), app_services())
    await app.close()


def _database(request: pytest.FixtureRequest, tmp_path: Path, prepared: bool) -> str:
    """A database for the test on the backend ``request.param``: as the prepared one, or empty
    (for the tests of migrations themselves)."""
    if request.param == "sqlite":
        if prepared:
            return copy_sqlite(request.getfixturevalue("prepared_sqlite"), tmp_path)
        return sqlite_url(tmp_path / "shanlin-test.sqlite3")
    if prepared:
        databases: PostgresDatabases = request.getfixturevalue("prepared_postgres")
        return run_private(lambda: databases.restore(databases.working))
    databases = request.getfixturevalue("empty_postgres")
    return run_private(lambda: databases.empty_schema(databases.empty))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Migrated, with the bundled knowledge synced: as after the bot's first start."""
    return _database(request, tmp_path, prepared=True)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Empty: not migrated yet."""
    return _database(request, tmp_path, prepared=False)


def _settings(database_url: str) -> Settings:
    return load_settings(
        DATABASE_URL=database_url,
        PROVINCIAL_ADMINS=str(ADMIN.id),
        BOT_TOKEN=TOKEN,
        SHANLIN_FRAMEWORK="aiogram",
        TELEGRAM_API_BASE="http://127.0.0.1:9",
        TIMEZONE="Asia/Shanghai",
        DESK_CHAT_ID=None,
    )


@pytest.fixture
def settings(database_url: str) -> Settings:
    return _settings(database_url)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    app = await build_app(settings, clock, app_services())
    yield app
    await app.close()


@pytest.fixture
async def console(app: App) -> ConsoleSession:
    """The real core behind the console transport; ``console.messenger.sent`` is the transcript."""
    messenger = ConsoleMessenger(out=io.StringIO())
    await app.core.start(messenger)
    return ConsoleSession(app.core, messenger, out=messenger.out)
