"""Deadlines as coordinators and groups see them: /deadline parsed and confirmed, the reminder
series fired by ``enqueue_due_reminders`` at the right moments (driven by the fake clock) and
delivered by the outbox sender, 已完成, cancel, downtime, exactly once, refusals, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.deadlines import enqueue_due_reminders, run_reminders
from handlers.model import Button, Chat
from storage.models import Deadline, DeadlineReminder
from storage.uow import UnitOfWork
from tests.support.broadcast import add_groups, deliver, outbox
from tests.support.clock import FakeClock
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, private
from tests.support.talk import reply_to, say

SET = "/deadline 6月30日18:00 项目入场报名截止"  # the clock starts on 6月1日 09:00


@pytest.fixture
async def groups(app: App) -> list[Chat]:
    """泸州 ×2, 德阳."""
    return [
        *await add_groups(app.sessions, 2, ("泸州",)),
        *await add_groups(app.sessions, 1, ("德阳",), start=2),
    ]


def sent_to(console: ConsoleSession, chat: Chat) -> list[str]:
    return [text for chat_id, text in console.messenger.sent if chat_id == chat.id]


def reminders(console: ConsoleSession, chat: Chat) -> list[str]:
    return [text for text in sent_to(console, chat) if text.startswith("⏰ 截止提醒")]


def buttons(console: ConsoleSession, chat: Chat) -> dict[str, Button]:
    return {b.text: b for b in console.messenger.buttons.get(chat.id, [])}


async def tick(app: App, console: ConsoleSession) -> None:
    """What the scheduler's job does, then the sender delivers."""
    await run_reminders(app.sessions, app.core.clock)
    await deliver(app, console.messenger)


async def count(app: App, model: type[Deadline] | type[DeadlineReminder]) -> int:
    async with UnitOfWork(app.sessions) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_deadline_is_confirmed_and_its_series_fires_at_the_right_moments(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    confirm = await reply_to(console, ADMIN, groups[0], SET)
    assert "已设置截止 #1：项目入场报名截止" in confirm
    assert "6月30日（周二）18:00" in confirm and "提前 7天、3天、1天、2小时" in confirm
    assert "本群（1 个群" in confirm

    expected = [
        (dict(days=22, hours=9), "还剩 7 天"),  # 6月23日 18:00
        (dict(days=4), "还剩 3 天"),
        (dict(days=2), "还剩 1 天"),
        (dict(hours=22), "还剩 2 小时"),
    ]
    for number, (delta, left) in enumerate(expected, start=1):
        clock.advance(**delta, minutes=-1)
        await tick(app, console)
        assert len(reminders(console, groups[0])) == number - 1  # not a minute early
        clock.advance(minutes=1)
        await tick(app, console)
        await tick(app, console)
        texts = reminders(console, groups[0])
        assert len(texts) == number
        assert "项目入场报名截止" in texts[-1] and left in texts[-1] and "延迟" not in texts[-1]
        assert set(buttons(console, groups[0])) == {"已完成"}
    assert reminders(console, groups[1]) == [] and reminders(console, groups[2]) == []
    listing = await reply_to(console, STAFF, groups[0], "/deadlines")
    assert "#1" in listing and "项目入场报名截止" in listing


async def test_done_stops_the_series_for_that_group_only(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    confirm = await reply_to(console, ADMIN, private(ADMIN), SET.replace(" ", " 泸州 ", 1))
    assert "泸州（2 个群" in confirm
    clock.advance(days=22, hours=9)
    await tick(app, console)
    await console.press(STAFF, groups[0], buttons(console, groups[0])["已完成"])
    for delta in (dict(days=4), dict(days=2), dict(hours=22)):
        clock.advance(**delta)
        await tick(app, console)
    assert len(reminders(console, groups[0])) == 1
    assert len(reminders(console, groups[1])) == 4
    assert reminders(console, groups[2]) == []


async def test_cancel_stops_the_reminders(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    await reply_to(console, ADMIN, groups[0], SET)
    assert "不是本群" not in await reply_to(console, ADMIN, groups[0], "/deadlines")
    assert "⛔" in await reply_to(
        console, LUZHOU_COORD, private(LUZHOU_COORD), "/deadline_cancel 1"
    )
    cancelled = await reply_to(console, ADMIN, groups[0], "/deadline_cancel 1")
    assert "已取消截止 #1" in cancelled and "4 条提醒不再发送" in cancelled
    for _ in range(4):
        clock.advance(days=8)
        await tick(app, console)
    assert reminders(console, groups[0]) == []
    assert "没有即将到期" in await reply_to(console, ADMIN, groups[0], "/deadlines")


async def test_after_downtime_a_late_reminder_is_sent_once_and_passed_ones_are_summarised(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    await reply_to(console, ADMIN, groups[0], SET)
    clock.advance(days=27)  # down over the 7- and 3-day reminders: 6月28日 09:00
    await tick(app, console)
    await tick(app, console)
    [late] = reminders(console, groups[0])
    assert "延迟提醒" in late and "还剩 2 天 9 小时" in late

    clock.advance(days=3)  # down again past the deadline itself
    await tick(app, console)
    await tick(app, console)
    assert len(reminders(console, groups[0])) == 1
    [summary] = [t for t in sent_to(console, private(ADMIN)) if "没有发出" in t]
    assert "#1 项目入场报名截止" in summary and "提前 1天" in summary and "提前 2小时" in summary


async def test_enqueueing_twice_queues_each_reminder_once(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    await reply_to(console, ADMIN, private(ADMIN), SET.replace(" ", " 全部 ", 1))
    clock.advance(days=22, hours=9)
    for _ in range(2):
        async with UnitOfWork(app.sessions) as uow:
            await enqueue_due_reminders(uow, clock.now())
            await uow.commit()
    rows = [r for r in await outbox(app.sessions) if r.key.startswith("deadline:")]
    assert len(rows) == 3 and len({r.chat_id for r in rows}) == 3
    await deliver(app, console.messenger)
    assert [len(sent_to(console, g)) for g in groups] == [1, 1, 1]


async def test_a_coordinator_is_refused_other_regions_and_nothing_is_written(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/start")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")
    me = private(LUZHOU_COORD)
    assert "⛔" in await reply_to(console, LUZHOU_COORD, me, SET.replace(" ", " 德阳 ", 1))
    assert "⛔" in await reply_to(console, LUZHOU_COORD, me, SET.replace(" ", " 泸州、德阳 ", 1))
    assert "⛔" in await reply_to(console, LUZHOU_COORD, me, SET.replace(" ", " 全部 ", 1))
    assert "⛔" in await reply_to(console, LUZHOU_COORD, groups[2], SET)
    assert "⛔" in await reply_to(console, STAFF, groups[0], SET)
    assert await count(app, Deadline) == 0 and await count(app, DeadlineReminder) == 0
    assert "已设置截止" in await reply_to(console, LUZHOU_COORD, groups[0], SET)


async def test_bad_input_gets_a_plain_answer_and_writes_nothing(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    here = groups[0]
    assert "用法：/deadline" in await reply_to(console, ADMIN, here, "/deadline")
    no_time = await reply_to(console, ADMIN, here, "/deadline 项目入场报名截止")
    assert "没有找到时间" in no_time and "例如" in no_time
    assert "看不懂" in await reply_to(console, ADMIN, here, "/deadline 下下下周五 提交报名表")
    past = await reply_to(console, ADMIN, here, "/deadline 8:00 交表")
    assert "已经过了" in past and "我的理解是：明天" in past
    assert "提前提醒的时间没看懂" in await reply_to(console, ADMIN, here, f"{SET} 提前 三下")
    no_target = await reply_to(console, ADMIN, private(ADMIN), "/deadline 6月30日 报名截止")
    assert "私聊中请先写目标" in no_target and "用法" in no_target
    empty = await reply_to(console, ADMIN, private(ADMIN), "/deadline 雅安 6月30日 报名截止")
    assert "没有可以提醒的群" in empty
    assert await count(app, Deadline) == 0


async def test_leads_longer_than_the_time_left_are_skipped_and_said_so(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    confirm = await reply_to(console, ADMIN, groups[0], "/deadline 明天下午三点 提交月报")
    assert "提前 1天、2小时" in confirm and "距截止已不足 7天、3天，这些提醒跳过" in confirm
    custom = await reply_to(console, ADMIN, groups[0], f"{SET} 提前 3天,1天,2小时")
    assert "提前 3天、1天、2小时" in custom
    assert await count(app, DeadlineReminder) == 2 + 3
