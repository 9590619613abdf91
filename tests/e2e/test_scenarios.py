"""One scenario table through the console, aiogram and PTB transports: same replies."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import build_app
from bot.settings import Settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.model import Chat, ChatType, User
from tests.conftest import TOKEN, app_services
from tests.support import fake_bot_api as tg
from tests.support.clock import FakeClock
from tests.support.databases import copy_sqlite
from tests.support.fake_bot_api import FakeBotAPI
from tests.support.people import (
    ADMIN,
    LIANGSHAN_GROUP,
    LUZHOU_COORD,
    LUZHOU_GROUP,
    STAFF,
    STRANGER,
    private,
)
from tests.support.running_bot import replies_after, running_bot

JOIN = "<bot added>"

# (who, where, what they send, a fragment every transport's reply must contain; None = silence)
SCENARIO: list[tuple[User, Chat, str, str | None]] = [
    (ADMIN, LUZHOU_GROUP, JOIN, "/bind"),
    (ADMIN, LUZHOU_GROUP, "/bind 泸州市", "已绑定到 泸州市"),
    (STAFF, LUZHOU_GROUP, "老师们好，请问我们机构还没有腾讯公益账号，要怎么开通？", "入驻"),
    (STAFF, LUZHOU_GROUP, "我们项目今天筹到5万了", None),
    (STAFF, LUZHOU_GROUP, "/bind 德阳", "⛔"),
    (LUZHOU_COORD, LUZHOU_GROUP, "收到", None),
    (ADMIN, private(ADMIN), "/grant @li_luzhou 泸州", "设为市州协调员：泸州"),
    (LUZHOU_COORD, private(LUZHOU_COORD), "/whoami", "市州协调员（泸州）"),
    (LUZHOU_COORD, LIANGSHAN_GROUP, "/bind 凉山州", "不是凉山的协调员"),
    (ADMIN, LIANGSHAN_GROUP, "/bind 凉山彝族自治州", "凉山彝族自治州"),
    (STRANGER, private(STRANGER), "/start", "善邻助手"),
    (STRANGER, private(STRANGER), "/help", "/whoami"),
    (STRANGER, private(STRANGER), "配捐", "您是不是想问"),
    (STRANGER, private(STRANGER), "/grant @li_luzhou 德阳", "⛔"),
    (ADMIN, LUZHOU_GROUP, "/bind 火星", "可选：成都"),
    (ADMIN, private(ADMIN), "/groups", "泸州（1）：泸州慈善交流群"),
    (STAFF, LUZHOU_GROUP, "/nosuch", "/help"),
    (ADMIN, private(ADMIN), "/revoke @li_luzhou", "已撤销"),
]


async def run_console(settings: Settings) -> list[list[tuple[int, str]]]:
    app = await build_app(settings, FakeClock(), app_services())
    messenger = ConsoleMessenger(out=io.StringIO())
    console = ConsoleSession(app.core, messenger, out=messenger.out)
    await app.core.start(messenger)
    transcript = []
    try:
        for who, where, text, _ in SCENARIO:
            before = len(messenger.sent)
            if text == JOIN:
                await console.bot_membership(who, where, present=True)
            else:
                await console.message(who, where, text)
            transcript.append(messenger.sent[before:])
    finally:
        await app.close()
    return transcript


def telegram_chat(chat: Chat) -> tg.JSON:
    if chat.type is ChatType.PRIVATE:
        return {"id": chat.id, "type": "private", "first_name": chat.title or ""}
    return {"id": chat.id, "type": chat.type.value, "title": chat.title}


async def run_framework(settings: Settings, framework: str) -> list[list[tuple[int, str]]]:
    transcript = []
    async with (
        FakeBotAPI(token=TOKEN) as api,
        running_bot(settings, api, framework, fast_budgets=True),
    ):
        for who, where, text, expected in SCENARIO:
            user = tg.user(who.id, who.first_name, who.username)
            before = len(api.sent_messages())
            if text == JOIN:
                api.push_my_chat_member(telegram_chat(where), user, "left", "member")
            else:
                api.push_message(telegram_chat(where), user, text)
            calls = await replies_after(api, before, 0 if expected is None else 1)
            transcript.append([(int(c.chat_id), c.text or "") for c in calls])
    return transcript


@pytest.fixture
async def console_transcript(settings: Settings) -> AsyncIterator[list[list[tuple[int, str]]]]:
    yield await run_console(settings)


def test_the_console_transcript_says_what_the_table_expects(
    console_transcript: list[list[tuple[int, str]]],
) -> None:
    for (_, where, text, expected), replies in zip(SCENARIO, console_transcript, strict=True):
        if expected is None:
            assert replies == [], (text, replies)
        else:
            assert len(replies) == 1, (text, replies)
            assert replies[0][0] == where.id and expected in replies[0][1], (text, replies)


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_framework_gives_the_same_replies_as_the_console(
    settings: Settings, framework: str, tmp_path: Path, prepared_sqlite: Path
) -> None:
    console_database = copy_sqlite(prepared_sqlite, tmp_path, "console.sqlite3")
    console_settings = settings.model_copy(update={"database_url": console_database})
    expected = await run_console(console_settings)
    assert await run_framework(settings, framework) == expected
