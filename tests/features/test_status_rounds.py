"""Collection rounds as a region's coordinator and its project owners see them, on a clock the
test moves: /collect sets, shows and stops a round; at the start the owners are asked
(privately when the bot can, else in the group with a mention); the projects still missing
are nudged at most twice; at the close the group gets who reported and the summary. Runs of
the job at the same moment send nothing twice; a start on a day off moves to the next
working day; after downtime a missed start or close happens once, said late."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.transports.console import ConsoleMessenger, ConsoleSession
from handlers.core.model import Chat, Delivered, Outgoing, SendMessage, User
from handlers.core.ports import BotInfo, SendError
from handlers.status.round_job import run_rounds
from storage.status_rounds import RoundSetting
from storage.uow import UnitOfWork
from tests.support.broadcast import add_groups, deliver
from tests.support.clock import SHANGHAI, FakeClock
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, STRANGER, private
from tests.support.talk import reply_to, say

QUIET = User(1005, "王主任", username="wang_zr")  # seen in the group, never started the bot
SET = "/collect 每周五 17:00 截止 周一 12:00"  # the clock starts on Monday 6月1日 09:00
PROJECTS = (
    "/project_add 阅芽计划 机构=泸州市慈善总会 领域=儿童关爱 目标=30万 负责人=@zhang_sg",
    "/project_add 爱心午餐 机构=泸州市慈善总会 领域=扶弱济困 目标=10万 负责人=@liu_new",
    "/project_add 助老行动 机构=泸州市老年协会 领域=敬老爱老 目标=20万",
)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
async def luzhou(app: App, console: ConsoleSession) -> Chat:
    """A 泸州 group; 李会长 coordinates 泸州; three projects: one owner the bot knows
    (张社工), one it has never seen (@liu_new), one without an owner."""
    [group] = await add_groups(app.sessions, 1, ("泸州",))
    await say(console, STAFF, private(STAFF), "/start")
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/start")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")
    for command in PROJECTS:
        assert "✅" in await reply_to(console, LUZHOU_COORD, group, command)
    return group


async def tick(app: App, messenger: ConsoleMessenger) -> None:
    """A run of the rounds job, then the outbox sender delivers."""
    await run_rounds(app.runtime)
    await deliver(app, messenger)


def sent_to(console: ConsoleSession, chat: Chat | User) -> list[str]:
    return [text for chat_id, text in console.messenger.sent if chat_id == chat.id]


async def settings(app: App) -> int:
    async with UnitOfWork(app.sessions) as uow:
        query = select(func.count()).select_from(RoundSetting)
        return int(await uow.session.scalar(query) or 0)


async def test_a_whole_round_asks_nudges_twice_and_posts_the_summary(
    app: App, console: ConsoleSession, luzhou: Chat, clock: FakeClock
) -> None:
    confirm = await reply_to(console, LUZHOU_COORD, luzhou, SET)
    assert "✅ 已设置泸州的进展征集：每周五 17:00 开始，截止 周一 12:00" in confirm
    assert "下一轮：6月5日（周五）17:00 – 6月8日（周一）12:00" in confirm
    assert "提醒未报送的项目：6月5日 20:00、6月8日 09:00" in confirm
    assert await app.next_due() == at(6, 5, 17)
    shown = await reply_to(console, LUZHOU_COORD, luzhou, "/collect")
    assert "📅 泸州进展征集：每周五 17:00 开始，截止 周一 12:00。设置人：李会长" in shown

    before_staff, before_group = len(sent_to(console, STAFF)), len(sent_to(console, luzhou))
    clock.set(at(6, 5, 16, 59))
    await tick(app, console.messenger)  # not a minute early
    assert len(sent_to(console, STAFF)) == before_staff
    assert len(sent_to(console, luzhou)) == before_group

    clock.set(at(6, 5, 17))
    await tick(app, console.messenger)
    await tick(app, console.messenger)  # a second run at the same moment sends nothing again
    [ask] = sent_to(console, STAFF)[before_staff:]
    assert ask.startswith("📝 泸州项目进展征集") and "· 阅芽计划" in ask
    assert "6月8日（周一）12:00 前" in ask and "#进展 阅芽计划 已筹12.5万" in ask
    [start] = sent_to(console, luzhou)[before_group:]
    assert "@liu_new：爱心午餐" in start and "未登记负责人（请协调员转告）：助老行动" in start
    assert "另有 1 位负责人已私聊通知" in start and "阅芽计划" not in start

    clock.set(at(6, 5, 18))
    await say(console, STAFF, luzhou, "#进展 阅芽计划 已筹12.5万/目标30万 捐赠1320人次 筹款中")
    assert "已报送 1/3 个项目" in await reply_to(console, LUZHOU_COORD, luzhou, "/collect")
    assert await app.next_due() == at(6, 5, 20)

    nudges: list[str] = []
    for moment in (at(6, 5, 20), at(6, 6, 10), at(6, 7, 23), at(6, 8, 9), at(6, 8, 11, 59)):
        clock.set(moment)
        mark = len(sent_to(console, luzhou))
        await tick(app, console.messenger)
        nudges += [t for t in sent_to(console, luzhou)[mark:] if t.startswith("⏰")]
    assert len(nudges) == 2
    assert all("爱心午餐" in n and "助老行动" in n and "阅芽计划" not in n for n in nudges)
    assert "还剩 2 天 16 小时" in nudges[0] and "还剩 3 小时" in nudges[1]
    assert len(sent_to(console, STAFF)) == before_staff + 1  # 张社工 reported: not nudged

    clock.set(at(6, 8, 12))
    await tick(app, console.messenger)
    await tick(app, console.messenger)
    [close] = [t for t in sent_to(console, luzhou) if t.startswith("📊")]
    assert "📊 泸州项目进展征集结束（6月5日 17:00 – 6月8日 12:00）" in close
    assert "已报送（1/3）：阅芽计划" in close and "未报送（2）" in close
    assert "· 爱心午餐（负责人 @liu_new）" in close and "· 助老行动" in close
    assert "阅芽计划：12.5万元 / 30万元（41.7%）" in close and "爱心午餐：— / 10万元" in close
    assert "合计：已筹 12.5万元 / 目标 60万元（20.8%）" in close
    assert "下一轮：6月12日（周五）17:00 开始" in close
    assert await app.next_due() == at(6, 12, 17)


async def test_only_the_regions_coordinator_or_an_admin_sets_a_round(
    app: App, console: ConsoleSession, luzhou: Chat
) -> None:
    refused = await reply_to(console, STRANGER, luzhou, SET)
    assert refused.startswith("⛔ 只有市州协调员或省级管理员可以使用 /collect")
    elsewhere = await reply_to(console, LUZHOU_COORD, luzhou, f"/collect 凉山 {SET[9:]}")
    assert elsewhere.startswith("⛔ 只有凉山的协调员或省级管理员")
    assert await settings(app) == 0
    assert "/collect — 定期征集项目进展（协调员）" in await reply_to(
        console, LUZHOU_COORD, luzhou, "/help"
    )
    assert "/collect" not in await reply_to(console, STRANGER, luzhou, "/help")
    hint = await reply_to(console, LUZHOU_COORD, luzhou, "/collect 每周五 17:00")
    assert "用“截止”隔开" in hint and "例如：/collect 每周五 17:00 截止 周一 12:00" in hint
    once = await reply_to(console, LUZHOU_COORD, luzhou, "/collect 周五 17:00 截止 周一 12:00")
    assert "开始时间要重复" in once
    too_long = await reply_to(console, LUZHOU_COORD, luzhou, "/collect 每天 9:00 截止 周一")
    assert "截止时间要在下一轮开始之前" in too_long
    assert await settings(app) == 0 and await app.next_due() is None
    named = await reply_to(console, ADMIN, private(ADMIN), f"/collect 泸州 {SET[9:]}")
    assert "✅ 已设置泸州的进展征集" in named
    assert await settings(app) == 1


async def test_runs_at_the_same_moment_send_nothing_twice(
    app: App, console: ConsoleSession, luzhou: Chat, clock: FakeClock
) -> None:
    await reply_to(console, LUZHOU_COORD, luzhou, SET)
    clock.set(at(6, 5, 17))
    await asyncio.gather(run_rounds(app.runtime), run_rounds(app.runtime))
    await run_rounds(app.runtime)
    await deliver(app, console.messenger)
    await deliver(app, console.messenger)
    assert len([t for t in sent_to(console, STAFF) if t.startswith("📝")]) == 1
    assert len([t for t in sent_to(console, luzhou) if t.startswith("📝")]) == 1
    clock.set(at(6, 8, 12))
    await asyncio.gather(run_rounds(app.runtime), run_rounds(app.runtime))
    await tick(app, console.messenger)
    assert len([t for t in sent_to(console, luzhou) if t.startswith("📊")]) == 1


async def test_after_downtime_a_missed_start_and_close_happen_once_said_late(
    app: App, console: ConsoleSession, luzhou: Chat, clock: FakeClock
) -> None:
    await reply_to(console, LUZHOU_COORD, luzhou, SET)
    clock.set(at(6, 6, 10))  # down from Friday afternoon until Saturday: start and a nudge missed
    await tick(app, console.messenger)
    await tick(app, console.messenger)
    asks = [t for t in sent_to(console, STAFF) if t.startswith("📝")]
    assert len(asks) == 1 and "延迟发出" in asks[0]
    assert not [t for t in sent_to(console, luzhou) if t.startswith("⏰")]
    assert await app.next_due() == at(6, 8, 9)
    clock.set(at(6, 9, 10))  # down again over the Monday nudge and the close
    await tick(app, console.messenger)
    await tick(app, console.messenger)
    assert not [t for t in sent_to(console, luzhou) if t.startswith("⏰")]
    [close] = [t for t in sent_to(console, luzhou) if t.startswith("📊")]
    assert "延迟发出" in close and "下一轮：6月12日（周五）17:00" in close


async def test_a_start_on_a_day_off_moves_to_the_next_working_day(
    app: App, console: ConsoleSession, luzhou: Chat, clock: FakeClock
) -> None:
    clock.set(at(6, 15, 9))  # Friday 6月19日 is 端午节
    confirm = await reply_to(console, LUZHOU_COORD, luzhou, SET)
    assert "下一轮：6月22日（周一）17:00 – 6月25日（周四）12:00" in confirm
    assert "原定 6月19日（周五）17:00 是休息日，顺延" in confirm
    clock.set(at(6, 19, 17))
    await tick(app, console.messenger)
    assert not [t for t in sent_to(console, STAFF) if t.startswith("📝")]
    clock.set(at(6, 22, 17))
    await tick(app, console.messenger)
    assert len([t for t in sent_to(console, STAFF) if t.startswith("📝")]) == 1
    [start] = [t for t in sent_to(console, luzhou) if t.startswith("📝")]
    assert "是休息日，顺延到今天" in start and "延迟" not in start


async def test_cancelling_stops_the_round_and_what_it_queued(
    app: App, console: ConsoleSession, luzhou: Chat, clock: FakeClock
) -> None:
    await reply_to(console, LUZHOU_COORD, luzhou, SET)
    clock.set(at(6, 5, 17))
    await run_rounds(app.runtime)  # the asks are queued, not sent yet
    assert "⛔" in await reply_to(console, STRANGER, luzhou, "/collect 取消")
    stopped = await reply_to(console, LUZHOU_COORD, luzhou, "/collect 取消")
    assert "✅ 已停止泸州的进展征集" in stopped and "不再提醒" in stopped
    for moment in (at(6, 5, 17, 1), at(6, 5, 20), at(6, 8, 9), at(6, 8, 12), at(6, 12, 17)):
        clock.set(moment)
        await tick(app, console.messenger)
    assert not [t for t in sent_to(console, STAFF) if t.startswith("📝")]
    assert not [t for t in sent_to(console, luzhou) if t[:1] in "📝⏰📊"]
    assert await app.next_due() is None and await settings(app) == 0
    assert "还没有设置进展征集" in await reply_to(console, LUZHOU_COORD, luzhou, "/collect")


@dataclass
class Refusing:
    """The console, except that Telegram refuses private messages to one person."""

    console: ConsoleMessenger
    refused: int

    async def perform(self, action: Outgoing) -> Delivered:
        if isinstance(action, SendMessage) and action.chat_id == self.refused:
            raise SendError(
                "Forbidden: bot can't initiate conversation with a user", permanent=True
            )
        return await self.console.perform(action)

    async def bot_info(self) -> BotInfo:
        return await self.console.bot_info()


async def test_an_owner_the_bot_cannot_reach_privately_is_asked_in_the_group(
    app: App, console: ConsoleSession, luzhou: Chat, clock: FakeClock
) -> None:
    await say(console, QUIET, luzhou, "大家好")
    await reply_to(console, LUZHOU_COORD, luzhou, "/project_edit 助老行动 负责人=@wang_zr")
    await reply_to(console, LUZHOU_COORD, luzhou, SET)
    refusing = Refusing(console.messenger, QUIET.id)
    clock.set(at(6, 5, 17))
    await run_rounds(app.runtime)
    await deliver(app, refusing)
    [moved] = [t for t in sent_to(console, luzhou) if "私聊消息没能送达" in t]
    assert moved.startswith("@wang_zr 私聊消息没能送达") and "· 助老行动" in moved
    clock.set(at(6, 5, 20))  # the nudge goes to the group for 王主任 at once
    await run_rounds(app.runtime)
    await deliver(app, refusing)
    [nudge] = [t for t in sent_to(console, luzhou) if t.startswith("⏰")]
    assert "@wang_zr：助老行动" in nudge and "@liu_new：爱心午餐" in nudge
    assert len([t for t in sent_to(console, luzhou) if "私聊消息没能送达" in t]) == 1
