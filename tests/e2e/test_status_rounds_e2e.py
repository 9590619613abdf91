"""A collection round started by the real scheduler of a running bot, through both frameworks,
against the fake Bot API: the owner who has a private chat is asked there, the one who blocked
the bot is named in the group instead."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.settings import Settings
from storage.database import create_engine, session_factory, upgrade
from storage.status_rounds import RoundSetting, RoundState, StatusRound
from storage.uow import SessionFactory, UnitOfWork
from tests.conftest import TOKEN
from tests.support import fake_bot_api as tg
from tests.support.broadcast import add_groups
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.people import ADMIN, STAFF
from tests.support.running_bot import idle, running_bot

QUIET = tg.user(1005, "王主任", "wang_zr")


async def a_round_due_now(sessions: SessionFactory) -> int:
    """泸州's group, two projects (张社工's, 王主任's) and a round whose start is now."""
    [group] = await add_groups(sessions, 1, ("泸州",))
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    async with UnitOfWork(sessions) as uow:
        region = next(r for r in await uow.regions.all() if r.name == "泸州")
        for user_id, name, username, project in (
            (STAFF.id, STAFF.first_name, "zhang_sg", "阅芽计划"),
            (QUIET["id"], QUIET["first_name"], "wang_zr", "助老行动"),
        ):
            person = await uow.people.seen(user_id, name, None, username, now)
            owners = [(f"@{username}", username, person.id)]
            await uow.status.add_project(
                region.id, project, "其他类", owners=owners, by=ADMIN.id, by_name="admin", now=now
            )
        setting = RoundSetting(
            region_id=region.id, rule={"kind": "daily", "day": None, "at": "09:00", "until": None},
            start_phrase="每天 09:00", close_phrase="18:00", set_by=ADMIN.id, set_by_name="admin",
            set_at=now,
        )  # fmt: skip
        await uow.status_rounds.save_setting(setting)
        start = now - timedelta(seconds=1)
        await uow.status_rounds.add(
            StatusRound(
                region_id=region.id, set_by=ADMIN.id, starts_at=start,
                closes_at=now + timedelta(hours=1), nudges=[], state=RoundState.PLANNED,
                nudged=0, next_at=start, created_at=now,
            )
        )  # fmt: skip
        await uow.commit()
    return group.id


def is_ask(call: Call) -> bool:
    return (call.text or "").startswith("📝 泸州项目进展征集")


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_a_round_asks_the_owners_through_both_frameworks(
    settings: Settings, framework: str
) -> None:
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        group_id = await a_round_due_now(session_factory(engine))
    finally:
        await engine.dispose()
    async with FakeBotAPI(token=TOKEN) as api:
        api.push_my_chat_member(tg.private_chat(QUIET), QUIET, "member", "kicked")
        async with running_bot(settings, api, framework):
            await api.wait_for(lambda c: "私聊消息没能送达" in (c.text or ""), timeout=60)
            await idle(api)
        asks = [c for c in api.sent_messages() if is_ask(c)]
        moved = [c for c in api.sent_messages() if "私聊消息没能送达" in (c.text or "")]
    assert sorted(c.chat_id for c in asks) == sorted([STAFF.id, group_id])
    assert "· 阅芽计划" in (next(c for c in asks if c.chat_id == STAFF.id).text or "")
    [fallback] = moved
    assert fallback.chat_id == group_id and (fallback.text or "").startswith("@wang_zr")
    assert "· 助老行动" in (fallback.text or "")
