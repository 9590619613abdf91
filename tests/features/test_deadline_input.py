"""/deadline and /deadline_edit read what new users type: traditional characters, repeats the
bot does not keep (refused, not turned into a one-off), past end dates, labelled edits."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.core.model import Chat
from tests.support.broadcast import add_groups
from tests.support.people import ADMIN
from tests.support.talk import reply_to


@pytest.fixture
async def group(app: App) -> Chat:
    [luzhou] = await add_groups(app.sessions, 1, ("泸州",))
    return luzhou


async def test_traditional_characters_set_the_time_they_say(
    console: ConsoleSession, group: Chat
) -> None:
    answer = await reply_to(console, ADMIN, group, "/deadline 明天下午三點 繁體字")
    assert "已设置截止 #1：繁體字" in answer, answer
    assert "明天（6月2日 周二）15:00" in answer
    answer = await reply_to(console, ADMIN, group, "/deadline 下週五 交材料")
    assert "已设置截止 #2：交材料" in answer and "6月12日" in answer, answer


@pytest.mark.parametrize(
    "typed", ["/deadline 每年9月1日 年报", "/deadline 每两周周五 双周报", "/deadline 每隔3天 日志"]
)
async def test_a_repeat_the_bot_does_not_keep_is_refused_and_nothing_is_set(
    console: ConsoleSession, group: Chat, typed: str
) -> None:
    answer = await reply_to(console, ADMIN, group, typed)
    assert "暂不支持" in answer and "已设置" not in answer
    assert "没有即将到期" in await reply_to(console, ADMIN, group, "/deadlines")


async def test_a_repeat_ending_in_the_past_is_refused(
    console: ConsoleSession, group: Chat
) -> None:
    answer = await reply_to(console, ADMIN, group, "/deadline 每周五 提交周报 到去年")
    assert "已经过去了" in answer and "已设置" not in answer


@pytest.mark.parametrize(
    ("change", "when", "what"),
    [
        ("新时间 6月24日", "6月24日", "项目入场报名截止"),
        ("时间：6月24日", "6月24日", "项目入场报名截止"),
        ("事项：提交预算表", "6月30日", "提交预算表"),
        ("时间 6月25日 事项 提交预算表", "6月25日", "提交预算表"),
    ],
)
async def test_deadline_edit_takes_labels_with_or_without_a_colon(
    console: ConsoleSession, group: Chat, change: str, when: str, what: str
) -> None:
    await reply_to(console, ADMIN, group, "/deadline 6月30日18:00 项目入场报名截止")
    answer = await reply_to(console, ADMIN, group, f"/deadline_edit 1 {change}")
    headline = answer.split("\n")[0]
    assert headline == f"✏️ 已修改截止 #1：{what}", answer  # the label is not the item
    assert when in answer


async def test_deadline_edit_with_a_lead_label_changes_the_reminders(
    console: ConsoleSession, group: Chat
) -> None:
    await reply_to(console, ADMIN, group, "/deadline 6月30日18:00 项目入场报名截止")
    answer = await reply_to(console, ADMIN, group, "/deadline_edit 1 提前：2天")
    assert "提醒时间：提前 2天" in answer, answer
