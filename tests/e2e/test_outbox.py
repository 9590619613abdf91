"""The outbox delivers every message exactly once: through the fake Bot API server and the real
framework networking, under flood limits and server errors, across a stop and restart, to
removed and upgraded groups, and with two sender processes on one PostgreSQL database."""

from __future__ import annotations

import asyncio
import io
import random
import sys
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from bot.app import App
from bot.settings import Settings
from bot.transports.aiogram_transport import AiogramMessenger, create_bot
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.delivery import delivery
from handlers.core.model import SendMessage
from handlers.core.ratelimit import RateLimitedMessenger, RateLimiter
from storage.database import create_engine, session_factory
from storage.outbox import DeliveryState
from storage.uow import UnitOfWork
from tests.conftest import ONLY_POSTGRES, TOKEN
from tests.support.broadcast import (
    ADMIN_CHAT,
    ADMIN_USER,
    add_groups,
    broadcast,
    is_notice,
    notice_id,
    notices_delivered,
    outbox,
    report,
    seed_database,
)
from tests.support.clock import FakeClock
from tests.support.fake_bot_api import ApiError, FakeBotAPI, Fault
from tests.support.people import ADMIN, private
from tests.support.running_bot import running_bot
from tests.support.talk import reply_to


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_a_notice_to_50_groups_reaches_every_group_exactly_once(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    groups = await seed_database(settings.database_url, 50)
    async with running_bot(settings, api, framework):
        number = await broadcast(api)
        text = await report(api, number)
    assert "送达 50/50 个群" in text
    assert notices_delivered(api) == Counter({g.id: 1 for g in groups})
    receipt = api.sent_messages(groups[0].id)[0].params["reply_markup"]["inline_keyboard"]
    assert receipt == [[{"text": "收到", "callback_data": f"notice:ok:{number}"}]]


async def test_flood_limits_and_server_errors_still_deliver_exactly_once(
    settings: Settings, api: FakeBotAPI
) -> None:
    groups = await seed_database(settings.database_url, 50)
    rng = random.Random(7)

    def flaky(method: str, params: dict[str, Any]) -> Fault | None:
        if method != "sendMessage" or params.get("chat_id", 0) > 0 or rng.random() > 0.2:
            return None
        return Fault("429", retry_after=1) if rng.random() < 0.5 else Fault("500")

    api.fault_policy = flaky
    async with running_bot(settings, api, "aiogram"):
        number = await broadcast(api)
        text = await report(api, number, wait=120)
    assert api.n429 > 0 and any(c.error_code == 500 for c in api.calls)
    assert "送达 50/50 个群" in text
    assert notices_delivered(api) == Counter({g.id: 1 for g in groups})


async def test_removed_groups_are_reported_and_upgraded_groups_followed(
    settings: Settings, api: FakeBotAPI
) -> None:
    removed, upgraded, *others = await seed_database(settings.database_url, 6)
    api.set_bot_status(removed.id, "kicked")
    supergroup_id = -1009990001

    def send_message(params: dict[str, Any]) -> Any:
        if params.get("chat_id") == upgraded.id:
            upgrade = {"migrate_to_chat_id": supergroup_id}
            raise ApiError(
                400, "Bad Request: group chat was upgraded to a supergroup chat", upgrade
            )
        return api._m_sendMessage(params, {})

    api.stub("sendMessage", send_message)
    async with running_bot(settings, api, "aiogram"):
        number = await broadcast(api)
        text = await report(api, number)
        api.push_message(ADMIN_CHAT, ADMIN_USER, "/groups")
        listing = await api.wait_for(lambda c: "机器人已被移出" in (c.text or ""), timeout=10)
        await broadcast(api, "第二条通知")
    assert "送达 5/6 个群" in text and f"{removed.title}：机器人已被移出该群" in text
    assert f"{removed.title}" in (listing[-1].text or "")
    delivered = notices_delivered(api, number)
    assert delivered[supergroup_id] == 1 and delivered[upgraded.id] == 0
    assert all(delivered[g.id] == 1 for g in others)
    preview = next(t for t in api.texts(ADMIN.id) if "第二条通知" in t)
    assert f"跳过机器人已被移出的 1 个群：{removed.title}" in preview


async def test_a_sender_stopped_midway_resumes_without_losing_or_repeating(
    app: App, api: FakeBotAPI
) -> None:
    groups = await add_groups(app.sessions, 50)
    console = ConsoleSession(app.core, ConsoleMessenger(out=io.StringIO()))
    await app.core.start(console.messenger)
    preview = await reply_to(console, ADMIN, private(ADMIN), "/notice 全部 培训改到下周二")
    [send] = [b for b in console.messenger.buttons[ADMIN.id] if b.text == "发送"]
    await console.press(ADMIN, private(ADMIN), send)
    bot = create_bot(TOKEN, api.url)
    try:
        first = app.sender(RateLimitedMessenger(AiogramMessenger(bot), RateLimiter()))
        stop = asyncio.Event()
        running = asyncio.create_task(first.run(stop))
        await api.wait_for(is_notice, count=15, timeout=20)
        stop.set()
        await running
        stopped_after = sum(notices_delivered(api).values())
        second = app.sender(RateLimitedMessenger(AiogramMessenger(bot), RateLimiter()))
        await second.drain()
    finally:
        await bot.session.close()
    assert 15 <= stopped_after < 50
    assert notices_delivered(api) == Counter({g.id: 1 for g in groups})
    reports = [t for t in api.texts(ADMIN.id) if f"#{notice_id(preview)} 已发送完毕" in t]
    assert len(reports) == 1 and "送达 50/50" in reports[0]


async def test_a_delivery_key_is_queued_once(app: App, clock: FakeClock) -> None:
    for _ in range(2):
        async with UnitOfWork(app.sessions) as uow:
            await uow.outbox.enqueue(
                [delivery("reminder:1", SendMessage(-4001, "提醒"))], clock.now()
            )
            await uow.commit()
    assert [row.key for row in await outbox(app.sessions)] == ["reminder:1"]


async def test_leases_keep_rows_from_a_second_sender_until_they_run_out(
    app: App, clock: FakeClock
) -> None:
    lease = timedelta(minutes=2)
    async with UnitOfWork(app.sessions) as uow:
        items = [delivery(f"k{i}", SendMessage(-4001 - i, "通知")) for i in range(3)]
        await uow.outbox.enqueue(items, clock.now())
        await uow.commit()
    async with UnitOfWork(app.sessions) as uow:
        assert len(await uow.outbox.claim("first", clock.now(), lease, 10)) == 3
        await uow.commit()
    async with UnitOfWork(app.sessions) as uow:
        assert await uow.outbox.claim("second", clock.now(), lease, 10) == []
    clock.advance(minutes=3)  # the first sender died: its leases run out
    async with UnitOfWork(app.sessions) as uow:
        taken = await uow.outbox.claim("second", clock.now(), lease, 10)
        await uow.commit()
    assert len(taken) == 3
    async with UnitOfWork(app.sessions) as uow:
        assert not await uow.outbox.update_held(taken[0].id, "first", state="sent")  # too late
        assert await uow.outbox.update_held(taken[0].id, "second", state="sent")


async def test_rows_left_sending_by_a_dead_process_come_back_at_start_on_sqlite(
    app: App, clock: FakeClock, database_url: str
) -> None:
    async with UnitOfWork(app.sessions) as uow:
        await uow.outbox.enqueue([delivery("k", SendMessage(-4001, "通知"))], clock.now())
        await uow.outbox.claim("dead", clock.now(), timedelta(minutes=2), 10)
        await uow.commit()
    async with UnitOfWork(app.sessions) as uow:
        await uow.outbox.recover()
        await uow.commit()
    [row] = await outbox(app.sessions)
    sqlite = database_url.startswith("sqlite")
    assert row.state == (
        DeliveryState.PENDING if sqlite else DeliveryState.SENDING
    )  # PostgreSQL waits for the lease


@ONLY_POSTGRES  # SQLite has a single writer; this is PostgreSQL's FOR UPDATE SKIP LOCKED
async def test_concurrent_claims_on_postgres_skip_each_others_rows(
    app: App, clock: FakeClock
) -> None:
    lease = timedelta(minutes=2)
    async with UnitOfWork(app.sessions) as uow:
        items = [delivery(f"k{i}", SendMessage(-4001 - i, "通知")) for i in range(5)]
        await uow.outbox.enqueue(items, clock.now())
        await uow.commit()
    async with UnitOfWork(app.sessions) as first, UnitOfWork(app.sessions) as second:
        mine = await first.outbox.claim("first", clock.now(), lease, 2)  # not committed yet
        theirs = await asyncio.wait_for(second.outbox.claim("second", clock.now(), lease, 5), 5)
        assert len(mine) == 2 and len(theirs) == 3
        assert not {r.id for r in mine} & {r.id for r in theirs}


@ONLY_POSTGRES  # several processes need PostgreSQL
async def test_two_sender_processes_on_one_postgres_database_deliver_exactly_once(
    database_url: str, api: FakeBotAPI
) -> None:
    groups = await seed_database(database_url, 100)
    engine = create_engine(database_url)
    async with UnitOfWork(session_factory(engine)) as uow:
        items = [
            delivery(f"notice:1:group:{g.id}", SendMessage(g.id, "📢 通知 #1")) for g in groups
        ]
        await uow.outbox.enqueue(items, FakeClock().now() - timedelta(days=1))
        await uow.commit()
    await engine.dispose()
    command = [sys.executable, "-m", "tests.support.sender_process", database_url, api.url]
    pipe = asyncio.subprocess.PIPE
    processes = [
        await asyncio.create_subprocess_exec(*command, stdin=pipe, stdout=pipe) for _ in range(2)
    ]
    for process in processes:  # both set up: start them together
        assert process.stdout is not None
        assert await asyncio.wait_for(process.stdout.readline(), 180) == b"ready\n"
    outputs = await asyncio.wait_for(
        asyncio.gather(*(p.communicate(b"go\n") for p in processes)), 300
    )
    counts = [int(out.decode().strip()) for out, _ in outputs]
    assert sum(counts) == 100 and min(counts) > 0, counts
    assert notices_delivered(api) == Counter({g.id: 1 for g in groups})
