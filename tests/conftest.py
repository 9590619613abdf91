"""Shared fixtures: a migrated database on every backend, the app, the core and a console."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App, build_app
from bot.settings import Settings, load_settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.context import Services
from handlers.shared.knowledge import FaqKnowledge
from knowledge_base.engine import Index
from knowledge_base.model import KnowledgeBase
from tests.support.clock import FakeClock
from tests.support.people import ADMIN

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"

# SQLite always; PostgreSQL too when TEST_DATABASE_URL names one (.ci/run sets it and fails
# loudly when that server is unreachable, so this list never silently shrinks in CI).
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])
if os.environ.get("CI") and "postgresql" not in BACKENDS:
    raise RuntimeError("CI must test PostgreSQL too: set TEST_DATABASE_URL (see .ci/run)")
ONLY_POSTGRES = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def _fresh_postgres(url: str) -> str:
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        await connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        await connection.exec_driver_sql("CREATE SCHEMA public")
    await engine.dispose()
    return url


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: object) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/shanlin-test.sqlite3"
    if not os.environ.get("TEST_DATABASE_URL"):  # `make test` always sets it
        pytest.fail("this test needs PostgreSQL: set TEST_DATABASE_URL (make test does)")
    return await _fresh_postgres(os.environ["TEST_DATABASE_URL"])


@pytest.fixture
def settings(database_url: str) -> Settings:
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
def clock() -> FakeClock:
    return FakeClock()


_INDEXES: dict[KnowledgeBase, Index] = {}


def cached_index(knowledge: KnowledgeBase) -> Index:
    """Tests build many apps over the same bundled knowledge: index each version once."""
    if knowledge not in _INDEXES:
        _INDEXES[knowledge] = Index.build(knowledge)
    return _INDEXES[knowledge]


def app_services() -> Services:
    """The services an app starts with in tests: the FAQ index cached across apps."""
    services = Services()
    services.provide(FaqKnowledge(cached_index))
    return services


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
