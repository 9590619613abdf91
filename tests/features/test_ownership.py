"""Who may see and change what: saved group lists belong to their author (the provincial
admins share theirs), and rights over a notice or a deadline end with its creator's region."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.transports.console import ConsoleSession
from handlers.core.model import Button, Chat, User
from tests.support.broadcast import add_groups, deliver, notice_id
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, private
from tests.support.talk import reply_to, say

DEYANG_COORD = STAFF  # 张社工 coordinates 德阳 in these tests


@pytest.fixture
async def groups(app: App, console: ConsoleSession) -> list[Chat]:
    """泸州, 德阳; 李会长 coordinates 泸州 and 张社工 德阳."""
    chats = [
        *await add_groups(app.sessions, 1, ("泸州",)),
        *await add_groups(app.sessions, 1, ("德阳",), start=1),
    ]
    for coordinator, region in ((LUZHOU_COORD, "泸州"), (DEYANG_COORD, "德阳")):
        await say(console, coordinator, private(coordinator), "/start")
        await say(console, ADMIN, private(ADMIN), f"/grant @{coordinator.username} {region}")
    return chats


def press(console: ConsoleSession, user: User, label: str) -> Button:
    return {b.text: b for b in console.messenger.buttons.get(user.id, [])}[label]


async def test_a_coordinator_neither_sees_nor_changes_the_provinces_lists(
    console: ConsoleSession, groups: list[Chat]
) -> None:
    luzhou, deyang = groups
    saved = await reply_to(
        console, ADMIN, private(ADMIN), f"/notice_list 重点群 {luzhou.title}、{deyang.title}"
    )
    assert "已保存群名单“重点群”（2 个群）" in saved
    mine = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/notice_list")
    assert "还没有您的群名单" in mine and str(deyang.title) not in mine
    # The coordinator's own list of the same name is theirs; the province's stays as it was.
    own = await reply_to(
        console, LUZHOU_COORD, private(LUZHOU_COORD), f"/notice_list 重点群 {luzhou.title}"
    )
    assert "（1 个群）" in own
    gone = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/notice_list 重点群 删除")
    assert "已删除" in gone
    still = await reply_to(console, ADMIN, private(ADMIN), "/notice_list")
    assert "重点群（2 个群）" in still


async def test_a_coordinators_list_holds_only_their_regions_groups(
    console: ConsoleSession, groups: list[Chat]
) -> None:
    luzhou, deyang = groups
    refused = await reply_to(
        console,
        LUZHOU_COORD,
        private(LUZHOU_COORD),
        f"/notice_list 我的 {luzhou.title}、{deyang.title}",
    )
    assert "无权" in refused and "德阳" in refused


async def test_a_coordinator_cannot_send_to_another_coordinators_list(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    luzhou, _ = groups
    await reply_to(
        console, LUZHOU_COORD, private(LUZHOU_COORD), f"/notice_list 我的群 {luzhou.title}"
    )
    answer = await reply_to(
        console, DEYANG_COORD, private(DEYANG_COORD), "/notice 我的群 明天开会"
    )
    assert "未找到" in answer and "发送" not in str(console.messenger.buttons.get(DEYANG_COORD.id))


async def test_rights_over_a_notice_and_a_deadline_end_with_the_region(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    me = private(LUZHOU_COORD)
    preview = await reply_to(console, LUZHOU_COORD, me, "/notice 泸州 明天开会")
    await console.press(LUZHOU_COORD, me, press(console, LUZHOU_COORD, "发送"))
    await deliver(app, console.messenger)
    number = notice_id(preview)
    assert "已设置截止 #1" in await reply_to(
        console, LUZHOU_COORD, me, "/deadline 泸州 6月30日 交材料"
    )
    assert "通知" in await reply_to(console, LUZHOU_COORD, me, f"/notice_status {number}")
    # 李会长 moves from 泸州 to 德阳.
    await say(console, ADMIN, private(ADMIN), "/revoke @li_luzhou 泸州")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 德阳")
    for command in (
        f"/notice_status {number}",
        f"/notice_delete {number}",
        f"/nudge {number}",
        "/deadline_cancel 1",
        "/deadline_edit 1 7月1日",
    ):
        answer = await reply_to(console, LUZHOU_COORD, me, command)
        assert answer.startswith("⛔"), (command, answer)
    assert f"#{number}" not in await reply_to(console, LUZHOU_COORD, me, "/notices")
    # A provincial admin still can.
    assert "已撤回" in await reply_to(console, ADMIN, private(ADMIN), f"/notice_delete {number}")
    assert "已取消" in await reply_to(console, ADMIN, private(ADMIN), "/deadline_cancel 1")
