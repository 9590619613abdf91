"""Who people are, their rights and their groups are kept in memory between updates; a change
made by this process, or by another one on PostgreSQL, is seen by the next update; on SQLite
(one bot process) a change made by hand from outside is seen within a second."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import App, build_app
from bot.settings import Settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from storage import directory_cache
from tests.conftest import app_services
from tests.support.clock import FakeClock
from tests.support.people import ADMIN, LUZHOU_GROUP, STAFF, private
from tests.support.talk import reply_to, say


@pytest.fixture
async def second_app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    """Another process on the same database (say a second bot, or a tool run by hand)."""
    app = await build_app(settings, clock, app_services())
    yield app
    await app.close()


async def _console(app: App) -> ConsoleSession:
    messenger = ConsoleMessenger(out=io.StringIO())
    await app.core.start(messenger)
    return ConsoleSession(app.core, messenger, out=messenger.out)


async def test_a_grant_made_by_another_process_counts_at_once(
    console: ConsoleSession, second_app: App
) -> None:
    other = await _console(second_app)
    await say(other, STAFF, LUZHOU_GROUP, "大家好")  # the other process now knows them
    before = await reply_to(other, STAFF, private(STAFF), "/whoami")
    assert "身份：成员" in before

    granted = await reply_to(console, ADMIN, private(ADMIN), f"/grant {STAFF.id} 泸州")
    assert "✅" in granted
    after = await reply_to(other, STAFF, private(STAFF), "/whoami")
    assert "市州协调员（泸州）" in after

    await reply_to(console, ADMIN, private(ADMIN), f"/revoke {STAFF.id}")
    assert "身份：成员" in await reply_to(other, STAFF, private(STAFF), "/whoami")


async def test_a_binding_made_by_another_process_is_seen_in_the_group(
    console: ConsoleSession, second_app: App
) -> None:
    other = await _console(second_app)
    await console.bot_membership(ADMIN, LUZHOU_GROUP, present=True)
    assert "未绑定" in await reply_to(other, STAFF, LUZHOU_GROUP, "/whoami")
    await reply_to(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    assert "泸州市" in await reply_to(other, STAFF, LUZHOU_GROUP, "/whoami")
    await reply_to(console, ADMIN, LUZHOU_GROUP, "/unbind")
    assert "未绑定" in await reply_to(other, STAFF, LUZHOU_GROUP, "/whoami")


async def test_a_change_written_from_outside_the_bot_is_seen_within_a_second(
    console: ConsoleSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tool writing SQL by hand (no session of ours, so only the version row tells)."""
    await say(console, STAFF, LUZHOU_GROUP, "大家好")
    await reply_to(console, ADMIN, private(ADMIN), f"/grant {STAFF.id} 泸州")
    assert "市州协调员（泸州）" in await reply_to(console, STAFF, private(STAFF), "/whoami")

    outside = create_async_engine(settings.database_url)
    async with outside.begin() as connection:
        await connection.execute(text("DELETE FROM coordinator_grants"))
        await connection.execute(
            text("UPDATE versions SET version = version + 1 WHERE name = 'directory'")
        )
    await outside.dispose()
    if not settings.database_url.startswith("sqlite"):  # read at every update
        assert "身份：成员" in await reply_to(console, STAFF, private(STAFF), "/whoami")
    later = directory_cache._monotonic() + directory_cache.SQLITE_TRUST_S
    monkeypatch.setattr(directory_cache, "_monotonic", lambda: later)
    assert "身份：成员" in await reply_to(console, STAFF, private(STAFF), "/whoami")
