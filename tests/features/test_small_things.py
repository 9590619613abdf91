"""Small things a new user ran into: full-width digits in numbers, /帮助, who may press 取消,
deadlines listed in private, and holidays named when the words do not say which."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.core.model import Chat
from tests.support.broadcast import add_groups
from tests.support.clock import SHANGHAI, FakeClock
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, private
from tests.support.talk import reply_to, say


@pytest.fixture
async def group(app: App) -> Chat:
    [luzhou] = await add_groups(app.sessions, 1, ("泸州",))
    return luzhou


async def test_full_width_digits_name_a_deadline(console: ConsoleSession, group: Chat) -> None:
    await reply_to(console, ADMIN, group, "/deadline 6月30日18:00 项目入场报名截止")
    moved = await reply_to(console, ADMIN, group, "/deadline_edit ３ 7月1日")
    assert "没有编号为 #3" in moved  # read as 3, not refused as a bad number
    assert "已修改截止 #1" in await reply_to(console, ADMIN, group, "/deadline_edit １ 7月1日")
    assert "已取消" in await reply_to(console, ADMIN, group, "/deadline_cancel ＃１")


@pytest.mark.parametrize("typed", ["/帮助", "/菜单"])
async def test_help_in_chinese_gets_the_help(console: ConsoleSession, typed: str) -> None:
    [answer] = await say(console, STAFF, private(STAFF), typed)
    assert answer.startswith("📖 您（成员）在私聊中可用的命令")


async def test_only_the_setter_may_confirm_or_cancel_a_far_deadline(
    console: ConsoleSession, group: Chat
) -> None:
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/start")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")
    await reply_to(console, ADMIN, group, "/deadline 2031年1月1日 远期规划")
    drop = {b.text: b for b in console.messenger.buttons.get(group.id, [])}["取消"]
    await console.press(LUZHOU_COORD, group, drop)
    assert console.messenger.callback_answers[-1] == "只有设置人可以确认或取消。"


async def test_deadlines_listed_in_private_name_the_group_not_this_group(
    console: ConsoleSession, group: Chat
) -> None:
    await reply_to(console, ADMIN, group, "/deadline 6月30日18:00 项目入场报名截止")
    here = await reply_to(console, ADMIN, group, "/deadlines")
    assert "｜本群" in here
    listed = await reply_to(console, ADMIN, private(ADMIN), "/deadlines")
    assert "本群" not in listed and f"｜{group.title}" in listed


async def test_a_holiday_the_words_do_not_name_is_named_in_the_answer(
    console: ConsoleSession, group: Chat, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 9, 1, 9, tzinfo=SHANGHAI))
    answer = await reply_to(console, ADMIN, group, "/deadline 节后 交材料")
    assert "9月28日" in answer and "“节后”按中秋节后第一个工作日计算" in answer


async def test_before_new_years_day_at_the_end_of_december(
    console: ConsoleSession, group: Chat, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 12, 30, 9, tzinfo=SHANGHAI))
    answer = await reply_to(console, ADMIN, group, "/deadline 元旦前 交材料")
    assert "已设置截止 #1" in answer and "12月31日" in answer, answer
