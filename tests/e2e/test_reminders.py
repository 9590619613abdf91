"""Deadline reminders through the real frameworks and bot processes, against the fake Bot API."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import timedelta

import pytest

from bot.settings import Settings
from storage.database import create_engine, session_factory
from tests.conftest import ONLY_POSTGRES, TOKEN
from tests.support import fake_bot_api as tg
from tests.support.broadcast import notice_id, seed_database, start_bot_process
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.people import STAFF
from tests.support.reminders import another_reminder_run, due_soon
from tests.support.running_bot import idle, running_bot
from tests.support.waiting import until_outbox_settled


def is_reminder(call: Call) -> bool:
    return "⏰ 截止提醒 #1" in (call.text or "")


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_reminders_reach_the_groups_and_done_is_pressed_through_both_frameworks(
    settings: Settings, framework: str
) -> None:
    chats = await seed_database(settings.database_url, 3)
    async with FakeBotAPI(token=TOKEN) as api, running_bot(settings, api, framework):
        engine = create_engine(settings.database_url)
        try:
            await due_soon(session_factory(engine), deadlines=1, within=timedelta(seconds=1))
        finally:
            await engine.dispose()
        sent = await api.wait_for(is_reminder, count=3, timeout=60)
        first = next(c for c in sent if c.chat_id == chats[0].id)
        [[done]] = first.params["reply_markup"]["inline_keyboard"]
        assert done["text"] == "已完成"
        staff = tg.user(STAFF.id, STAFF.first_name)
        group = tg.group(chats[0].id, chats[0].title or "")
        api.push_callback(group, staff, first.result["message_id"], done["callback_data"])
        [answer] = await api.wait_for("answerCallbackQuery", timeout=60)
        await another_reminder_run(settings.database_url)  # nothing is sent twice
        await idle(api)
    assert answer.params["text"] == "✅ 已标记本群完成，不再提醒本群。"
    assert sorted(c.chat_id for c in api.sent_messages() if is_reminder(c)) == sorted(
        chat.id for chat in chats
    )


@ONLY_POSTGRES  # several processes need PostgreSQL
async def test_two_bot_processes_on_one_postgres_database_send_each_reminder_once(
    database_url: str,
) -> None:
    chats = await seed_database(database_url, 60)
    async with FakeBotAPI(token=TOKEN) as api:
        bots = [await start_bot_process(api, database_url) for _ in range(2)]
        try:
            engine = create_engine(database_url)
            try:
                await due_soon(session_factory(engine), deadlines=5, within=timedelta(seconds=4))
            finally:
                await engine.dispose()
            expected = 5 * len(chats)
            await api.wait_for(lambda c: "⏰ 截止提醒" in (c.text or ""), expected, timeout=60)
            await another_reminder_run(database_url)
            await until_outbox_settled(database_url)
        finally:  # the bots finish what is on its way before they exit
            for bot in bots:
                bot.send_signal(signal.SIGTERM)
            for bot in bots:
                await bot.wait()
    received = Counter(
        (c.chat_id, notice_id(c.text))
        for c in api.sent_messages()
        if "⏰ 截止提醒" in (c.text or "")
    )
    assert received == Counter({(chat.id, n): 1 for chat in chats for n in range(1, 6)})
