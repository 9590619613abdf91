"""Onboarding: the bot joining a group, /start, /help, /whoami and commands it does not know
— through the real core on every database."""

from __future__ import annotations

from bot.transports.console import ConsoleSession
from tests.support.people import (
    ADMIN,
    LUZHOU_GROUP,
    STAFF,
    STRANGER,
    private,
)
from tests.support.talk import reply_to, say


async def test_bot_added_to_group_greets_and_explains_binding(console: ConsoleSession) -> None:
    await console.bot_membership(ADMIN, LUZHOU_GROUP, present=True)
    [(chat_id, text)] = console.messenger.sent
    assert chat_id == LUZHOU_GROUP.id
    assert "善邻助手" in text and "/bind 泸州" in text


async def test_help_lists_exactly_what_each_person_may_use(console: ConsoleSession) -> None:
    member_group = await reply_to(console, STAFF, LUZHOU_GROUP, "/help")
    member_private = await reply_to(console, STAFF, private(STAFF), "/help")
    admin_group = await reply_to(console, ADMIN, LUZHOU_GROUP, "/help")
    admin_private = await reply_to(console, ADMIN, private(ADMIN), "/help")
    assert "/whoami" in member_group and "/bind" not in member_group
    assert "/grant" not in member_private and "/groups" not in member_private
    assert "/bind" in admin_group and "/grant" in admin_group
    assert "/bind" not in admin_private  # a group-only command is not offered in private
    assert "/grant" in admin_private and "/groups" in admin_private
    # everything /help lists is a command the core knows; after the list, a setup to do
    names = {c.name for c in console.core.commands}
    listed, _, notes = admin_group.partition("\n\n")
    for line in listed.splitlines()[1:]:
        assert line.split()[0].lstrip("/") in names
    assert notes.startswith("⚠️ 省总会工单台还没有设置") and "⚠️" not in member_group


async def test_start_in_private_introduces_the_bot(console: ConsoleSession) -> None:
    answer = await reply_to(console, STRANGER, private(STRANGER), "/start")
    assert "善邻助手" in answer and "/help" in answer and "成员" in answer
    # It names what it does, each with the command that does it, and nothing as still to come.
    for said in ("截止提醒", "/ticket", "#进展", "/report", "/export", "/chart"):
        assert said in answer, said
    assert "开发中" not in answer


async def test_whoami_in_group_shows_role_and_region(console: ConsoleSession) -> None:
    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    answer = await reply_to(console, ADMIN, LUZHOU_GROUP, "/whoami")
    assert "省级管理员" in answer and "泸州市" in answer and str(ADMIN.id) in answer


async def test_unknown_command_points_to_help(console: ConsoleSession) -> None:
    answer = await reply_to(console, STAFF, LUZHOU_GROUP, "/shenme")
    assert "/shenme" in answer and "/help" in answer


async def test_command_for_another_bot_is_ignored(console: ConsoleSession) -> None:
    assert await say(console, STAFF, LUZHOU_GROUP, "/help@other_bot") == []
    assert await say(console, STAFF, LUZHOU_GROUP, "/help@shanlin_demo_bot")


async def test_group_only_command_in_private_says_where(console: ConsoleSession) -> None:
    answer = await reply_to(console, ADMIN, private(ADMIN), "/bind 泸州")
    assert "群里" in answer
