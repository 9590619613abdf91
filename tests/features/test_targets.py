"""Several regions in one target, joined every way people join them, reach every region named
— for notices, deadlines, /bind and /grant — and text that names nothing is refused, named."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.core.model import Button, Chat
from tests.support.broadcast import add_groups, deliver
from tests.support.people import ADMIN, LUZHOU_GROUP, STAFF, private
from tests.support.talk import reply_to, say

BODY = "请于本周五前提交项目进展表。"


@pytest.fixture
async def groups(app: App) -> list[Chat]:
    """泸州 ×2, 德阳, 凉山."""
    return [
        *await add_groups(app.sessions, 2, ("泸州",)),
        *await add_groups(app.sessions, 1, ("德阳",), start=2),
        *await add_groups(app.sessions, 1, ("凉山",), start=3),
    ]


def button(console: ConsoleSession, chat: Chat, label: str) -> Button:
    return {b.text: b for b in console.messenger.buttons.get(chat.id, [])}[label]


def reached(console: ConsoleSession, groups: list[Chat], text: str) -> list[str]:
    """The titles of the groups that got a message containing ``text``."""
    return [
        g.title or ""
        for g in groups
        if any(cid == g.id and text in t for cid, t in console.messenger.sent)
    ]


@pytest.mark.parametrize(
    "targets", ["泸州德阳", "泸州及德阳", "泸州和德阳", "泸州 德阳", "泸州、德阳"]
)
async def test_a_notice_to_two_regions_reaches_both(
    app: App, console: ConsoleSession, groups: list[Chat], targets: str
) -> None:
    preview = await reply_to(console, ADMIN, private(ADMIN), f"/notice {targets} {BODY}")
    assert "共 3 个群" in preview and "泸州、德阳" in preview
    await console.press(ADMIN, private(ADMIN), button(console, private(ADMIN), "发送"))
    await deliver(app, console.messenger)
    assert reached(console, groups, BODY) == [g.title for g in groups[:3]]


async def test_a_notice_to_a_region_and_something_else_is_refused_naming_it(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    answer = await reply_to(console, ADMIN, private(ADMIN), f"/notice 泸州xyz {BODY}")
    assert "“xyz”" in answer and "发送" not in str(console.messenger.buttons.get(ADMIN.id))
    await deliver(app, console.messenger)
    assert reached(console, groups, BODY) == []


@pytest.mark.parametrize("targets", ["泸州和德阳", "泸州 德阳"])
async def test_a_deadline_for_two_regions_covers_every_group_and_not_the_item(
    app: App, console: ConsoleSession, groups: list[Chat], targets: str
) -> None:
    preview = await reply_to(
        console, ADMIN, private(ADMIN), f"/deadline {targets} 明天下午三点 交材料"
    )
    assert preview.startswith("📋 请确认截止：交材料"), preview
    assert "泸州、德阳，共 3 个群（泸州 2 个、德阳 1 个）" in preview
    assert "没有即将到期" in await reply_to(console, ADMIN, private(ADMIN), "/deadlines")
    await console.press(ADMIN, private(ADMIN), button(console, private(ADMIN), "确认设置"))
    answer = console.messenger.sent[-1][1]
    assert "已设置截止 #1：交材料" in answer, answer
    assert "3 个群" in answer


async def test_a_deadline_whose_target_has_leftover_text_is_refused_naming_it(
    console: ConsoleSession, groups: list[Chat]
) -> None:
    answer = await reply_to(console, ADMIN, private(ADMIN), "/deadline 泸州xyz 明天 交材料")
    assert "“xyz”" in answer and "已设置" not in answer
    assert "没有即将到期" in await reply_to(console, ADMIN, private(ADMIN), "/deadlines")


async def test_a_group_is_bound_to_one_region_only(console: ConsoleSession) -> None:
    await say(console, ADMIN, LUZHOU_GROUP, "/start")
    answer = await reply_to(console, ADMIN, LUZHOU_GROUP, "/bind 泸州和德阳")
    assert "只能绑定一个市州" in answer
    assert "未绑定" in await reply_to(console, ADMIN, LUZHOU_GROUP, "/whoami")


async def test_a_coordinator_is_granted_every_region_named(console: ConsoleSession) -> None:
    await say(console, STAFF, private(STAFF), "/start")
    granted = await reply_to(console, ADMIN, private(ADMIN), "/grant @zhang_sg 泸州和德阳")
    assert "泸州、德阳" in granted
    assert "泸州、德阳" in await reply_to(console, STAFF, private(STAFF), "/whoami")
