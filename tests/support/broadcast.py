"""Helpers for outbox and notice tests and the benches: groups in the database, the outbox's
rows, the sender run to the end on any messenger, and what a fake Bot API server delivered."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import App
from handlers.core.model import Chat, ChatType
from handlers.core.ports import Messenger
from handlers.core.ratelimit import RateLimitedMessenger, RateLimiter
from storage.database import create_engine, session_factory, upgrade
from storage.notices import Notice
from storage.outbox import OutboxMessage
from storage.uow import SessionFactory, UnitOfWork
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.people import ADMIN
from tests.support.running_bot import idle
from tests.support.virtual_time import VirtualTime

NOTICE_MARK = "📢 通知"
ADMIN_USER = tg.user(ADMIN.id, ADMIN.first_name, ADMIN.username)
ADMIN_CHAT = tg.private_chat(ADMIN_USER)


def group_chat_id(number: int) -> int:
    return -5000 - number


async def add_groups(
    sessions: SessionFactory, count: int, regions: tuple[str, ...] = (), start: int = 0
) -> list[Chat]:
    """``count`` groups the bot is in, bound in turn to ``regions`` (default: all 21)."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    chats = []
    async with UnitOfWork(sessions) as uow:
        known = [r for r in await uow.regions.all() if not regions or r.name in regions]
        for number in range(start, start + count):
            region = known[number % len(known)]
            chat = Chat(group_chat_id(number), ChatType.GROUP, f"{region.name}{number}号群")
            group = await uow.groups.ensure(chat.id, chat.title, now)
            group.region_id = region.id
            chats.append(chat)
        await uow.commit()
    return chats


async def seed_database(url: str, groups: int) -> list[Chat]:
    """Migrate the database at ``url`` and add ``groups`` groups (before a bot starts on it)."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        return await add_groups(session_factory(engine), groups)
    finally:
        await engine.dispose()


async def outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    async with UnitOfWork(sessions) as uow:
        rows = list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.session.expunge_all()  # readable after the block
        return rows


async def notice_count(sessions: SessionFactory) -> int:
    async with UnitOfWork(sessions) as uow:
        return len((await uow.session.scalars(select(Notice))).all())


async def deliver(app: App, messenger: Messenger) -> None:
    """Run the outbox sender on ``messenger`` until nothing is due; budgets on skipped time."""
    time = VirtualTime()
    limited = RateLimitedMessenger(messenger, RateLimiter(time.clock, time.skip))
    await app.sender(limited).drain()


def notice_id(text: str | None) -> int:
    """The notice number a preview or report mentions (#12)."""
    found = re.search(r"#(\d+)", text or "")
    assert found, text
    return int(found.group(1))


def notices_delivered(api: FakeBotAPI, number: int | None = None) -> Counter[int]:
    """How many times each group received a notice (or notice #number); successful sends."""
    mark = f"{NOTICE_MARK} #{number}\n" if number else NOTICE_MARK
    calls = api.sent_messages()
    return Counter(c.chat_id for c in calls if mark in (c.text or "") and c.chat_id < 0)


def is_notice(call: Call) -> bool:
    return call.method == "sendMessage" and NOTICE_MARK in (call.text or "")


def is_preview(call: Call) -> bool:
    return "通知预览" in (call.text or "")


async def broadcast(api: FakeBotAPI, text: str = "请于本周五前提交项目进展表") -> int:
    """As the provincial admin in private: /notice 全部, then 发送. The notice's number."""
    before = len([c for c in api.calls if c.ok and is_preview(c)])
    api.push_message(ADMIN_CHAT, ADMIN_USER, f"/notice 全部 {text}")
    preview = (await api.wait_for(is_preview, count=before + 1, timeout=30))[-1]
    number = notice_id(preview.text)
    press = f"notice:send:{number}"
    api.push_callback(ADMIN_CHAT, ADMIN_USER, preview.result["message_id"], press)
    return number


async def report(api: FakeBotAPI, number: int, wait: float = 60) -> str:
    """The delivery report the admin gets when the broadcast has finished (from a bot
    running in this process)."""
    done = f"通知 #{number} 已发送完毕"
    [call] = await api.wait_for(lambda c: done in (c.text or ""), timeout=wait)
    await idle(api)  # anything sent twice has arrived by then
    return call.text or ""


async def start_bot_process(
    api: FakeBotAPI, database_url: str, framework: str = "aiogram"
) -> asyncio.subprocess.Process:
    """``shanlin run`` in its own process against ``api``; returns once it polls."""
    menus = len(api.calls_to("setMyCommands", ok=True))
    env = os.environ | {
        "BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE": api.url,
        "DATABASE_URL": database_url,
        "PROVINCIAL_ADMINS": str(ADMIN.id),
        "SHANLIN_FRAMEWORK": framework,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stderr=asyncio.subprocess.DEVNULL
    )
    await api.wait_for("setMyCommands", count=menus + 3, timeout=120)
    return process
