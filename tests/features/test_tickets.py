"""Tickets as group members, the desk and the reporter see them: filing three ways, the desk
and its card, who may press the card's buttons, and the conversation relayed both ways."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.transports.console import DEMO_BOT, ConsoleSession
from handlers.core.model import (
    Button,
    Chat,
    ChatType,
    EditMessage,
    IncomingMessage,
    MessageKind,
    ReplyTarget,
    SendMessage,
    User,
)
from tests.support.broadcast import add_groups, deliver
from tests.support.people import ADMIN, STAFF, STRANGER, private
from tests.support.talk import reply_to, say

DESK = Chat(-7001, ChatType.SUPERGROUP, "省总会工单台")
REPORT = "我们项目的提现申请提交十天了还是处理中，麻烦看一下"


@pytest.fixture
async def group(app: App) -> Chat:
    [luzhou] = await add_groups(app.sessions, 1, ("泸州",))
    return luzhou


async def make_desk(app: App, console: ConsoleSession) -> None:
    await say(console, ADMIN, DESK, "/desk")


def sent(console: ConsoleSession, chat: Chat) -> list[tuple[int, str]]:
    """(message id, text) of what the bot sent to ``chat``."""
    return [
        (message_id, text)
        for (chat_id, text), message_id in zip(
            console.messenger.sent, console.messenger.sent_ids, strict=True
        )
        if chat_id == chat.id
    ]


def bot_message(console: ConsoleSession, chat: Chat, containing: str) -> ReplyTarget:
    """A reply target for the bot's last message in ``chat`` that contains ``containing``."""
    message_id, text = [m for m in sent(console, chat) if containing in m[1]][-1]
    return ReplyTarget(message_id, User(DEMO_BOT.id, "善邻助手", is_bot=True), text)


def card_button(console: ConsoleSession, label: str) -> Button:
    return {b.text: b for b in console.messenger.buttons.get(DESK.id, [])}[label]


async def test_a_ticket_filed_before_there_is_a_desk_reaches_it_once_it_is_set(
    app: App, console: ConsoleSession, group: Chat
) -> None:
    ack = await reply_to(console, STAFF, group, f"/ticket {REPORT}")
    assert "已提交工单 T-0001" in ack and "工单台还没有设置" in ack
    await deliver(app, console.messenger)
    assert sent(console, DESK) == []
    refused = await reply_to(console, STAFF, DESK, "/desk")
    assert refused.startswith("⛔")
    await make_desk(app, console)
    await deliver(app, console.messenger)
    [(_, card)] = [m for m in sent(console, DESK) if "T-0001" in m[1]]
    assert "待处理" in card and REPORT in card and "张社工" in card and "泸州" in card
    assert set(b.text for b in console.messenger.buttons[DESK.id]) >= {"认领", "已解决"}
    await make_desk(app, console)  # again: nothing is posted twice
    await deliver(app, console.messenger)
    assert len([m for m in sent(console, DESK) if "🎫 T-0001" in m[1]]) == 1


async def test_a_tagged_message_and_a_reply_on_behalf_file_tickets(
    app: App, console: ConsoleSession, group: Chat
) -> None:
    await make_desk(app, console)
    ack = await reply_to(console, STAFF, group, f"#求助 {REPORT}")
    assert "已提交工单 T-0001" in ack
    colleague = ReplyTarget(55, STRANGER, "我们的票据一直显示开具中，三天了")
    ack = await reply_to(console, STAFF, group, "/ticket", reply=colleague)
    assert "已提交工单 T-0002（代 陈志愿 提交）" in ack
    again = await reply_to(console, STAFF, group, "/ticket", reply=colleague)
    assert "已经提交过工单 T-0002" in again
    await deliver(app, console.messenger)
    cards = [text for _, text in sent(console, DESK) if text.startswith("🎫")]
    assert len(cards) == 2 and "报告人：陈志愿" in cards[1]


@pytest.mark.parametrize("typed", ["/ticket", "/ticket ？？", "#求助"])
async def test_a_ticket_without_a_description_is_asked_for_one(
    app: App, console: ConsoleSession, group: Chat, typed: str
) -> None:
    answer = await reply_to(console, STAFF, group, typed)
    assert "请" in answer and "/ticket" in answer and "T-0001" not in answer


async def test_only_desk_staff_claim_and_the_card_is_edited_in_place(
    app: App, console: ConsoleSession, group: Chat
) -> None:
    await make_desk(app, console)
    await say(console, STAFF, group, f"/ticket {REPORT}")
    await deliver(app, console.messenger)
    await console.press(STAFF, DESK, card_button(console, "认领"))
    assert console.messenger.callback_answers[-1] == "只有省总会工单台的工作人员可以处理工单。"
    await console.press(ADMIN, DESK, card_button(console, "认领"))
    [edited] = [a for a in console.messenger.performed if isinstance(a, EditMessage)]
    assert "处理中" in edited.text and "处理人：总会小王" in edited.text
    await deliver(app, console.messenger)
    assert "【T-0001】省总会 总会小王 已认领" in sent(console, group)[-1][1]
    shown = await reply_to(console, STAFF, group, "/ticket T-0001")
    assert "→ 认领" in shown and "总会小王" in shown
    other = await reply_to(console, STRANGER, private(STRANGER), "/ticket T-0001")
    assert "没有找到工单 T-0001" in other


async def test_the_conversation_is_relayed_both_ways_and_internal_notes_stay(
    app: App, console: ConsoleSession, group: Chat
) -> None:
    await make_desk(app, console)
    await say(console, STAFF, group, f"/ticket {REPORT}")
    await deliver(app, console.messenger)
    card = bot_message(console, DESK, "🎫 T-0001")
    await say(console, ADMIN, DESK, "！先查一下后台日志", reply_to=card)
    await say(console, ADMIN, DESK, "已联系平台，明天上午到账", reply_to=card)
    await deliver(app, console.messenger)
    relayed = [m for m in sent(console, group) if "省总会回复" in m[1]]
    assert [text for _, text in relayed] == ["【T-0001 省总会回复】\n已联系平台，明天上午到账"]
    assert not any("后台日志" in text for _, text in sent(console, group))
    answer = bot_message(console, group, "省总会回复")
    await say(console, STAFF, group, "好的，我们明天再看", reply_to=answer)
    await deliver(app, console.messenger)
    back = [
        a
        for a in console.messenger.performed
        if isinstance(a, SendMessage) and a.chat_id == DESK.id and "补充" in a.text
    ]
    assert [a.text for a in back] == ["【T-0001 张社工补充】\n好的，我们明天再看"]
    assert back[0].reply_to_message_id == card.message_id


async def test_a_photo_filed_with_a_tag_is_copied_to_the_desk(
    app: App, console: ConsoleSession, group: Chat
) -> None:
    await make_desk(app, console)
    photo = IncomingMessage(
        update_id=990001,
        chat=group,
        message_id=4242,
        date=datetime(2026, 6, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
        sender=STAFF,
        kind=MessageKind.PHOTO,
        text=f"#平台问题 {REPORT}",
    )
    await console.core.handle(photo, console.messenger)
    await deliver(app, console.messenger)
    desk_texts = [text for _, text in sent(console, DESK)]
    assert any(t.startswith("🎫 T-0001") for t in desk_texts)
    assert "（转发消息 4242）" in desk_texts
