"""Who people are, their rights and their groups are kept in memory between updates; a change
made anywhere, by this process or another one on the same database, is seen by the next update."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest

from bot.app import App, build_app
from bot.settings import Settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
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
