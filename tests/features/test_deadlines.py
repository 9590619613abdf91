"""Deadlines as coordinators and groups see them: /deadline parsed and confirmed, the reminder
series fired by ``enqueue_due_reminders`` at the right moments (driven by the fake clock) and
delivered by the outbox sender, 已完成, cancel, downtime, exactly once, refusals, bad input."""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App, build_app
from bot.settings import Settings
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.model import Button, Chat, User
from handlers.deadlines.reminders import enqueue_due_reminders, run_reminders
from storage.deadlines import Deadline, DeadlineReminder
from storage.uow import UnitOfWork
from tests.conftest import app_services
from tests.support.broadcast import (
    add_groups,
    deliver,
    outbox,
)
from tests.support.clock import SHANGHAI, FakeClock
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, private
from tests.support.reminders import due_soon
from tests.support.talk import reply_to, say

SET = "/deadline 6月30日18:00 项目入场报名截止"  # the clock starts on 6月1日 09:00


@pytest.fixture
async def groups(app: App) -> list[Chat]:
    """泸州 ×2, 德阳."""
    return [
        *await add_groups(app.sessions, 2, ("泸州",)),
        *await add_groups(app.sessions, 1, ("德阳",), start=2),
    ]


async def set_deadline(console: ConsoleSession, user: User, chat: Chat, command: str) -> str:
    """Type ``command``; confirm the preview a deadline for several groups shows. What the
    bot says it set."""
    answer = await reply_to(console, user, chat, command)
    if answer.startswith("📋 请确认截止"):
        confirm = {b.text: b for b in console.messenger.buttons.get(chat.id, [])}["确认设置"]
        await console.press(user, chat, confirm)
        answer = console.messenger.sent[-1][1]
    return answer


def sent_to(console: ConsoleSession, chat: Chat) -> list[str]:
    return [text for chat_id, text in console.messenger.sent if chat_id == chat.id]


def reminders(console: ConsoleSession, chat: Chat) -> list[str]:
    return [text for text in sent_to(console, chat) if text.startswith("⏰ 截止提醒")]


def buttons(console: ConsoleSession, chat: Chat) -> dict[str, Button]:
    return {b.text: b for b in console.messenger.buttons.get(chat.id, [])}


async def tick(app: App, console: ConsoleSession) -> None:
    """What the scheduler's job does, then the sender delivers."""
    await run_reminders(app.runtime)
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
    assert "避开夜间" not in confirm  # no reminder of this series was moved

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
    confirm = await set_deadline(console, ADMIN, private(ADMIN), SET.replace(" ", " 泸州 ", 1))
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
    assert "✅ 本群已完成" in await reply_to(console, STAFF, groups[0], "/deadlines")
    assert "已完成" not in await reply_to(console, STAFF, groups[1], "/deadlines")


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


async def test_groups_already_reminded_hear_of_a_cancellation(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    me = private(ADMIN)
    await set_deadline(console, ADMIN, me, SET.replace(" ", " 泸州 ", 1))
    clock.advance(days=22, hours=9)  # the 7-day reminder
    await tick(app, console)
    await reply_to(console, ADMIN, me, SET.replace(" ", " 德阳 ", 1))  # #2, not reminded yet
    await reply_to(console, ADMIN, me, "/deadline_cancel 1")
    await reply_to(console, ADMIN, me, "/deadline_cancel 2")
    await deliver(app, console.messenger)
    for group in groups[:2]:
        assert "截止 #1（项目入场报名截止）已取消，不再提醒" in sent_to(console, group)[-1]
    assert sent_to(console, groups[2]) == []


async def test_after_downtime_a_late_reminder_is_sent_once_and_passed_ones_are_summarised(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/start")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")
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
    for reader in (ADMIN, LUZHOU_COORD):  # the creator, and the region's coordinator
        [summary] = [t for t in sent_to(console, private(reader)) if "没有发出" in t]
        assert "#1 项目入场报名截止" in summary
        assert "提前 1天" in summary and "提前 2小时" in summary


async def test_enqueueing_twice_queues_each_reminder_once(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    await set_deadline(console, ADMIN, private(ADMIN), SET.replace(" ", " 全部 ", 1))
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
    assert "#1" in await reply_to(console, LUZHOU_COORD, me, "/deadlines 泸州")
    assert "⛔" in await reply_to(console, LUZHOU_COORD, me, "/deadlines 德阳")
    assert "未找到市州" in await reply_to(console, LUZHOU_COORD, me, "/deadlines 火星")
    assert "没有即将到期" in await reply_to(console, ADMIN, private(ADMIN), "/deadlines 德阳")


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


async def test_the_same_deadline_typed_twice_is_set_once(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    """A coordinator re-sending the command must not make every reminder arrive twice."""
    here, other = groups[0], groups[1]
    assert "已设置截止 #1" in await reply_to(console, ADMIN, here, SET)
    again = await reply_to(console, ADMIN, here, "/deadline 6月30日 18点 项目入场报名截止")
    assert "已有相同的截止 #1" in again and "没有重复设置" in again
    # Another group, or another thing due at the same time, is a deadline of its own.
    assert "已设置截止 #2" in await reply_to(console, ADMIN, other, SET)
    assert "已设置截止 #3" in await reply_to(
        console, ADMIN, here, "/deadline 6月30日18:00 交预算表"
    )
    # Both 泸州 groups already have it (as #1 and #2): nothing new.
    region = "/deadline 泸州 6月30日18:00 项目入场报名截止"
    assert "已有相同的截止 #1、#2" in await reply_to(console, ADMIN, private(ADMIN), region)
    # Cancelled, it can be set again — for the group that lost it only.
    await say(console, ADMIN, here, "/deadline_cancel 1")
    redo = await reply_to(console, ADMIN, private(ADMIN), region)
    assert "已设置截止 #4" in redo and f"1 个群：{here.title}" in redo
    assert "另有 1 个群已有相同的截止 #2" in redo
    clock.advance(days=29)  # 6月30日 09:00: the one-day reminder is due
    await tick(app, console)
    for group in (here, other):  # one reminder of the registration deadline in each group
        assert sum("项目入场报名截止" in text for text in reminders(console, group)) == 1


async def test_leads_longer_than_the_time_left_are_skipped_and_said_so(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    confirm = await reply_to(console, ADMIN, groups[0], "/deadline 明天下午三点 提交月报")
    assert "提前 1天、2小时" in confirm and "距截止已不足 7天、3天，这些提醒跳过" in confirm
    custom = await reply_to(console, ADMIN, groups[0], f"{SET} 提前 3天,1天,2小时")
    assert "提前 3天、1天、2小时" in custom
    assert await count(app, DeadlineReminder) == 2 + 3


async def fired_at(app: App) -> list[tuple[str, int]]:
    """(local fire time, lead in hours) of every reminder row, in order."""
    async with UnitOfWork(app.sessions) as uow:
        rows = await uow.session.scalars(select(DeadlineReminder).order_by(DeadlineReminder.id))
        return [
            (r.fire_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M"), r.lead // 3600) for r in rows
        ]


async def test_edit_moves_the_reminders_and_tells_the_groups(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    me = private(ADMIN)
    await set_deadline(console, ADMIN, me, SET.replace(" ", " 泸州 ", 1))
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/start")
    refused = await reply_to(
        console, LUZHOU_COORD, private(LUZHOU_COORD), "/deadline_edit 1 7月2日"
    )
    assert "⛔" in refused
    moved = await reply_to(console, ADMIN, me, "/deadline_edit 1 7月2日18:00")
    assert "已修改截止 #1：项目入场报名截止" in moved and "7月2日（周四）18:00" in moved
    await deliver(app, console.messenger)
    assert not any("时间有调整" in t for g in groups for t in sent_to(console, g))  # not reminded

    clock.advance(days=22, hours=9)  # 6月23日 18:00: the old 7-day reminder is gone
    await tick(app, console)
    assert reminders(console, groups[0]) == []
    clock.advance(days=2)  # 6月25日 18:00
    await tick(app, console)
    assert (
        len(reminders(console, groups[0])) == 1 and "还剩 7 天" in reminders(console, groups[0])[0]
    )

    await reply_to(console, ADMIN, me, "/deadline_edit 1 7月3日18:00")
    await deliver(app, console.messenger)
    for group in groups[:2]:  # reminded already: told of the move
        assert any("时间有调整" in t and "7月3日" in t for t in sent_to(console, group))
    assert not any("时间有调整" in t for t in sent_to(console, groups[2]))

    renamed = await reply_to(console, ADMIN, me, "/deadline_edit 1 事项 提交项目执行报告")
    assert "提交项目执行报告" in renamed
    fewer = await reply_to(console, ADMIN, me, "/deadline_edit 1 提前 1天")
    assert "提前 1天" in fewer and "3天" not in fewer
    clock.advance(days=7)  # 7月2日 18:00: only the 1-day reminder is still to come
    await tick(app, console)
    texts = reminders(console, groups[0])
    assert len(texts) == 2 and "提交项目执行报告" in texts[1] and "还剩 1 天" in texts[1]
    assert "用法：/deadline_edit" in await reply_to(console, ADMIN, me, "/deadline_edit 1")
    unnamed = await reply_to(console, ADMIN, me, "/deadline_edit 1 事项")
    assert "请在“事项”后写上新的内容" in unnamed and "已修改" not in unnamed
    assert "没有找到时间" in await reply_to(console, ADMIN, me, "/deadline_edit 1 尽快")
    far = await reply_to(console, ADMIN, me, "/deadline_edit 1 2030年1月1日")
    assert "两年以后，没有修改" in far
    assert "7月3日" in await reply_to(console, ADMIN, me, "/deadlines")


async def test_a_deadline_more_than_two_years_ahead_waits_for_its_creator(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    asked = await reply_to(console, ADMIN, groups[0], "/deadline 2029年6月30日 十年规划提交")
    assert "两年以后" in asked and set(buttons(console, groups[0])) == {"确认设置", "取消"}
    assert await count(app, DeadlineReminder) == 0
    assert "没有即将到期" in await reply_to(console, ADMIN, groups[0], "/deadlines")
    confirm = buttons(console, groups[0])["确认设置"]
    await console.press(STAFF, groups[0], confirm)
    assert console.messenger.callback_answers[-1] == "只有设置人可以确认或取消。"
    assert await count(app, DeadlineReminder) == 0
    await console.press(ADMIN, groups[0], confirm)
    assert "已设置截止 #1" in console.messenger.sent[-1][1]
    assert await count(app, DeadlineReminder) == 4
    assert "#1" in await reply_to(console, ADMIN, groups[0], "/deadlines")

    await reply_to(console, ADMIN, groups[0], "/deadline 2030年1月1日 另一件事")
    await console.press(ADMIN, groups[0], buttons(console, groups[0])["取消"])
    assert "已放弃设置截止 #2" in console.messenger.sent[-1][1]
    assert await count(app, DeadlineReminder) == 4


async def test_a_repeating_deadline_reminds_each_week_until_its_end(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    here = groups[0]
    confirm = await reply_to(
        console, ADMIN, here, "/deadline 每周五下午5点 提交周报 到6月19日 提前 1天,2小时"
    )
    assert "周期：每周五 17:00，到2026年6月19日" in confirm
    assert "下次截止：6月5日（周五）17:00" in confirm and "每次提前 1天、2小时" in confirm
    clock.advance(days=3, hours=8)  # Thursday 6月4日 17:00
    await tick(app, console)
    assert len(reminders(console, here)) == 1 and "还剩 1 天" in reminders(console, here)[0]
    week_one = buttons(console, here)["已完成"]
    await console.press(STAFF, here, week_one)  # done this week: no 2-hour reminder on Friday
    clock.advance(days=1)  # Friday 17:00, the occurrence passes
    await tick(app, console)
    assert len(reminders(console, here)) == 1
    clock.advance(days=6)  # Thursday 6月11日 17:00: next week's series runs again
    await tick(app, console)
    assert len(reminders(console, here)) == 2 and "6月12日" in reminders(console, here)[-1]
    await console.press(STAFF, here, week_one)
    assert console.messenger.callback_answers[-1] == "这一期已经截止了，无需再标记。"
    clock.advance(hours=22)  # Friday 6月12日 15:00
    await tick(app, console)
    clock.advance(hours=2)  # the occurrence passes: the last week's series is planned
    await tick(app, console)
    clock.advance(days=6)  # Thursday 6月18日 17:00
    await tick(app, console)
    clock.advance(hours=22)
    await tick(app, console)
    assert len(reminders(console, here)) == 5 and "还剩 2 小时" in reminders(console, here)[-1]
    for _ in range(14):  # the end date (6月19日) stops the series
        clock.advance(days=1)
        await tick(app, console)
    assert len(reminders(console, here)) == 5
    assert "没有即将到期" in await reply_to(console, ADMIN, here, "/deadlines")


async def test_night_reminders_move_to_eight_and_workday_groups_skip_holidays(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    night = await reply_to(console, ADMIN, groups[0], "/deadline 6月10日9:00 交材料 提前 2小时")
    assert await fired_at(app) == [("06-10 08:00", 2)]  # 07:00 is night
    assert "提前 2小时的提醒改在 6月10日（周三）08:00 发出" in night
    await reply_to(console, ADMIN, groups[0], "/deadline 6月10日8:00 交表 提前 2小时")
    assert (await fired_at(app))[-1] == ("06-09 21:00", 2)  # 08:00 would be too late

    assert "⛔" in await reply_to(console, STAFF, groups[1], "/remind_workdays 开")
    assert "已开启" in await reply_to(console, ADMIN, groups[1], "/remind_workdays 开")
    assert "目前开启" in await reply_to(console, STAFF, groups[1], "/remind_workdays")
    # National Day 2026: 10月1日–7日 off; the 3-day reminder of 10月9日 falls on 10月6日
    await reply_to(console, ADMIN, groups[1], "/deadline 10月9日10:00 年度报告 提前 3天")
    await reply_to(console, ADMIN, groups[0], "/deadline 10月9日10:00 年度报告 提前 3天")
    assert (await fired_at(app))[-2:] == [("09-30 10:00", 72), ("10-06 10:00", 72)]


async def test_a_date_alone_means_the_configured_end_of_day(
    settings: Settings, clock: FakeClock
) -> None:
    app = await build_app(settings.model_copy(update={"end_of_day": time(17, 30)}), clock,
                          app_services())  # fmt: skip
    try:
        messenger = ConsoleMessenger(out=io.StringIO())
        await app.core.start(messenger)
        console = ConsoleSession(app.core, messenger, out=messenger.out)
        (group,) = await add_groups(app.sessions, 1, ("泸州",))
        confirm = await reply_to(console, ADMIN, group, "/deadline 6月30日 报名截止")
        assert "6月30日（周二）17:30" in confirm
    finally:
        await app.close()


async def test_a_burst_of_reminders_due_at_one_moment_is_queued_in_one_run(
    app: App, groups: list[Chat], clock: FakeClock
) -> None:
    await due_soon(app.sessions, deadlines=250, within=timedelta(0), now=clock.now())
    clock.advance(seconds=1)
    await run_reminders(app.runtime)  # 750 due: more than one batch
    queued = [row.key for row in await outbox(app.sessions)]
    assert len(queued) == len(set(queued)) == 250 * len(groups)


async def test_stopping_the_bot_lets_a_reminder_run_in_progress_finish(
    app: App, groups: list[Chat], clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await due_soon(app.sessions, deadlines=250, within=timedelta(0), now=clock.now())
    clock.advance(seconds=1)
    async with app.delivering(ConsoleMessenger(out=io.StringIO())):
        for _ in range(100_000):  # the scheduler's first runs start at once
            if app.job_runs:
                break
            await asyncio.sleep(0)
        assert app.job_runs, "no job run started"
    # Stopped mid-run: the run finished its work instead of being cancelled and logged as failed.
    assert not app.job_runs
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    queued = [row.key for row in await outbox(app.sessions)]
    assert len(queued) == len(set(queued)) == 250 * len(groups)


async def test_leads_moved_to_the_same_time_go_out_as_one_reminder(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    here = groups[0]
    await reply_to(console, ADMIN, here, "/remind_workdays 开")
    # 10月5日 and 10月7日 are National Day holidays: both move to 9月30日, the last workday
    confirm = await reply_to(console, ADMIN, here, "/deadline 国庆后 提交季度报告 提前 3天,1天")
    assert "提前 3天、1天的提醒改在 9月30日（周三）18:00 发出，合并为一条" in confirm
    clock.advance(days=121, hours=9)  # 9月30日 18:00
    await tick(app, console)
    [reminder] = reminders(console, here)
    assert "提交季度报告" in reminder and "还剩 8 天" in reminder
