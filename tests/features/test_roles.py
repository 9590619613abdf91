"""Roles: granting and revoking regional coordinators — through the real core on every
database."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.app import App
from bot.transports.console import ConsoleSession
from storage.directory import CoordinatorGrant
from storage.uow import UnitOfWork
from tests.support.people import (
    ADMIN,
    LUZHOU_COORD,
    LUZHOU_GROUP,
    STAFF,
    STRANGER,
    private,
)
from tests.support.talk import reply_to, say


async def grant_count(app: App) -> int:
    async with UnitOfWork(app.sessions) as uow:
        return int(await uow.session.scalar(select(func.count(CoordinatorGrant.id))) or 0)


async def test_grant_by_reply_username_and_id_then_revoke(
    console: ConsoleSession, app: App
) -> None:
    await say(console, LUZHOU_COORD, LUZHOU_GROUP, "老师们好")
    answer = await reply_to(console, ADMIN, private(ADMIN), "/grant @LI_LUZHOU 泸州 德阳")
    assert "李会长" in answer and "泸州、德阳" in answer
    assert await grant_count(app) == 2
    again = await reply_to(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")
    assert "无需重复" in again and await grant_count(app) == 2

    whoami = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/whoami")
    assert "市州协调员（泸州、德阳）" in whoami

    revoked = await reply_to(console, ADMIN, private(ADMIN), "/revoke @li_luzhou 德阳")
    assert "德阳" in revoked and await grant_count(app) == 1
    revoked = await reply_to(console, ADMIN, private(ADMIN), f"/revoke {LUZHOU_COORD.id}")
    assert "泸州" in revoked and await grant_count(app) == 0


async def test_grant_by_replying_to_a_message(console: ConsoleSession, app: App) -> None:
    from handlers.core.model import ReplyTarget

    replied = ReplyTarget(76, STAFF, "我是泸州的")
    await console.message(ADMIN, LUZHOU_GROUP, "/grant 泸州", reply_to=replied)
    chat_id, answer = console.messenger.sent[-1]
    assert chat_id == LUZHOU_GROUP.id and "张社工" in answer and "泸州" in answer
    assert await grant_count(app) == 1


async def test_unseen_username_gets_a_clear_hint(console: ConsoleSession, app: App) -> None:
    answer = await reply_to(console, ADMIN, private(ADMIN), "/grant @nobody_here 泸州")
    assert "@nobody_here" in answer and "回复" in answer
    assert await grant_count(app) == 0


async def test_non_admin_cannot_grant(console: ConsoleSession, app: App) -> None:
    await say(console, STRANGER, LUZHOU_GROUP, "hi")
    answer = await reply_to(console, STAFF, private(STAFF), f"/grant {STRANGER.id} 泸州")
    assert "⛔" in answer and "省级管理员" in answer
    assert await grant_count(app) == 0
