"""Tickets through each real framework's networking: a tagged report in a group reaches the
desk as a card, 认领 edits the card, and a desk reply to the card reaches the reporter's group
as a reply to the report."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.settings import Settings
from tests.conftest import TOKEN
from tests.support import fake_bot_api as tg
from tests.support.fake_bot_api import Call, FakeBotAPI
from tests.support.people import ADMIN, STAFF
from tests.support.running_bot import running_bot

admin = tg.user(ADMIN.id, ADMIN.first_name, ADMIN.username)
staff = tg.user(STAFF.id, STAFF.first_name, STAFF.username)
luzhou = tg.group(-4001, "泸州慈善交流群")
desk = tg.supergroup(-1007001, "省总会工单台")
REPORT = "#求助 我们项目的提现申请提交十天了还是处理中"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(token=TOKEN, bot_username="shanlin_test_bot") as server:
        yield server


def sent_to(chat: dict[str, object], starting: str) -> Callable[[Call], bool]:
    """Successful sends to ``chat`` whose text starts with ``starting``."""

    def matches(call: Call) -> bool:
        return call.ok and call.chat_id == chat["id"] and (call.text or "").startswith(starting)

    return matches


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_a_report_reaches_the_desk_and_the_answer_comes_back(
    settings: Settings, api: FakeBotAPI, framework: str
) -> None:
    async with running_bot(settings, api, framework):
        api.push_message(desk, admin, "/desk")
        await api.wait_for(sent_to(desk, "✅ 本群已设为省总会工单台"), timeout=20)
        report = api.push_message(luzhou, staff, REPORT)
        [ack] = await api.wait_for(sent_to(luzhou, "✅ 已提交工单 T-0001"), timeout=20)
        [card] = await api.wait_for(sent_to(desk, "🎫 T-0001"), timeout=20)
        assert "张社工" in (card.text or "") and "提现申请" in (card.text or "")

        card_id = card.result["message_id"]
        api.push_callback(desk, admin, card_id, "ticket:claim:1")
        [edit] = await api.wait_for("editMessageText", timeout=20)
        assert "处理中" in str(edit.params.get("text"))

        card_message = api.messages[(desk["id"], card_id)]
        api.push_message(desk, admin, "已联系平台，明天上午到账", reply_to_message=card_message)
        [answer] = await api.wait_for(sent_to(luzhou, "【T-0001 省总会回复】"), timeout=20)
        assert "明天上午到账" in (answer.text or "")
        replied = answer.params.get("reply_parameters") or {}
        assert replied.get("message_id") == report["message"]["message_id"]
        assert ack.params.get("reply_parameters")
