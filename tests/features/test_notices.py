"""Notices as coordinators and group members see them: preview, 发送 / 取消, delivery once per
group with a 收到 button, the report, /notice_status, /nudge, /notices, saved lists, bad input.
The core runs behind the console transport; the outbox sender delivers to the console too."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import update

from bot.app import App
from bot.transports.console import DEMO_BOT, ConsoleSession
from handlers.core.model import Button, Chat, IncomingMessage, MessageKind, ReplyTarget, User
from storage.outbox import DeliveryState, OutboxMessage
from storage.uow import UnitOfWork
from tests.support.broadcast import add_groups, deliver, notice_count, notice_id, outbox
from tests.support.clock import FakeClock
from tests.support.people import ADMIN, LUZHOU_COORD, STAFF, STRANGER, private
from tests.support.talk import reply_to, say

BODY = "请于本周五前提交项目进展表。"


@pytest.fixture
async def groups(app: App) -> list[Chat]:
    """Four groups: 泸州 ×2, 德阳, 凉山."""
    return [
        *await add_groups(app.sessions, 2, ("泸州",)),
        *await add_groups(app.sessions, 1, ("德阳",), start=2),
        *await add_groups(app.sessions, 1, ("凉山",), start=3),
    ]


async def make_coordinator(console: ConsoleSession) -> None:
    await say(console, LUZHOU_COORD, private(LUZHOU_COORD), "/start")
    await say(console, ADMIN, private(ADMIN), "/grant @li_luzhou 泸州")


def buttons(console: ConsoleSession, chat: Chat) -> dict[str, Button]:
    return {b.text: b for b in console.messenger.buttons.get(chat.id, [])}


def sent_to(console: ConsoleSession, chat: Chat) -> list[str]:
    return [text for chat_id, text in console.messenger.sent if chat_id == chat.id]


async def send_notice(console: ConsoleSession, user: User, command: str) -> int:
    """Type the command in private, press 发送 under the preview; the notice's number."""
    preview = await reply_to(console, user, private(user), command)
    await console.press(user, private(user), buttons(console, private(user))["发送"])
    return notice_id(preview)


async def test_a_notice_reaches_each_group_once_with_a_receipt_button_and_a_report(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    preview = await reply_to(console, ADMIN, private(ADMIN), f"/notice 全部 {BODY}")
    assert "共 4 个群" in preview and BODY in preview
    assert set(buttons(console, private(ADMIN))) == {"发送", "取消"}
    assert await outbox(app.sessions) == []  # nothing is queued before 发送

    await console.press(ADMIN, private(ADMIN), buttons(console, private(ADMIN))["发送"])
    assert "已开始发送到 4 个群" in sent_to(console, private(ADMIN))[-1]
    await deliver(app, console.messenger)
    await deliver(app, console.messenger)  # running the sender again sends nothing twice

    for group in groups:
        [notice] = sent_to(console, group)
        assert BODY in notice and ADMIN.first_name in notice
        assert set(buttons(console, group)) == {"收到"}
    report = sent_to(console, private(ADMIN))[-1]
    assert "已发送完毕" in report and "送达 4/4 个群" in report
    assert all(row.state == DeliveryState.SENT for row in await outbox(app.sessions))


async def test_receipt_pressed_twice_counts_once(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    number = await send_notice(console, ADMIN, f"/notice 泸州 {BODY}")
    await deliver(app, console.messenger)
    receipt = buttons(console, groups[0])["收到"]
    before = len(console.messenger.sent)

    await console.press(STAFF, groups[0], receipt)
    await console.press(STAFF, groups[0], receipt)

    assert len(console.messenger.sent) == before  # the answers go to the button, not the chat
    status = await reply_to(console, ADMIN, private(ADMIN), f"/notice_status {number}")
    assert "送达 2/2 个群，已确认 1 个群" in status
    assert status.count(STAFF.first_name) == 1
    assert f"⏳ {groups[1].title}" in status  # the other 泸州 group has not confirmed


def last_message_in(console: ConsoleSession, chat: Chat) -> ReplyTarget:
    """The bot's latest message in a chat, as a reply would point at it."""
    sent = console.messenger.sent
    number = max(i for i, (chat_id, _) in enumerate(sent) if chat_id == chat.id)
    bot = User(DEMO_BOT.id, "善邻助手", is_bot=True)
    return ReplyTarget(console.messenger.sent_ids[number], bot, sent[number][1])


async def test_a_typed_receipt_replying_to_the_notice_counts_and_gets_no_answer(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    number = await send_notice(console, ADMIN, f"/notice 泸州 {BODY}")
    await deliver(app, console.messenger)
    notice = last_message_in(console, groups[0])
    before = len(console.messenger.sent)
    await console.message(STAFF, groups[0], "收到，谢谢老师🙏", reply_to=notice)
    await console.message(STRANGER, groups[0], "好的收到", reply_to=notice)
    assert len(console.messenger.sent) == before  # a busy group hears nothing back
    status = await reply_to(console, ADMIN, private(ADMIN), f"/notice_status {number}")
    assert "已确认 1 个群" in status
    assert STAFF.first_name in status and STRANGER.first_name in status

    await say(console, ADMIN, private(ADMIN), f"/nudge {number}")
    await deliver(app, console.messenger)
    nudge = last_message_in(console, groups[1])
    assert "请确认收到" in (nudge.text or "")
    assert await say(console, STAFF, groups[1], "收到", reply_to=nudge) == []
    status = await reply_to(console, ADMIN, private(ADMIN), f"/notice_status {number}")
    assert "已确认 2 个群" in status
    # A question replying to the notice is not a receipt.
    await say(console, LUZHOU_COORD, groups[0], "收到的捐款怎么开票？", reply_to=notice)
    status = await reply_to(console, ADMIN, private(ADMIN), f"/notice_status {number}")
    assert LUZHOU_COORD.first_name not in status


async def test_a_plain_receipt_confirms_the_notice_the_group_got_last(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    """Typing 收到 under a notice without quoting it is how most people confirm."""
    first = await send_notice(console, ADMIN, f"/notice 泸州 {BODY}")
    await deliver(app, console.messenger)
    before = len(console.messenger.sent)
    assert await say(console, STAFF, groups[0], "收到") == []
    assert await say(console, LUZHOU_COORD, groups[0], "好的") == []  # may answer anyone
    # 收到 quoting a person's message answers that person, not the notice.
    colleague = ReplyTarget(4242, LUZHOU_COORD, "材料我发群里了")
    assert await say(console, STRANGER, groups[1], "收到", reply_to=colleague) == []
    assert len(console.messenger.sent) == before
    status = await reply_to(console, ADMIN, private(ADMIN), f"/notice_status {first}")
    assert "已确认 1 个群" in status and STAFF.first_name in status
    assert STRANGER.first_name not in status and LUZHOU_COORD.first_name not in status

    # A later notice is the one a plain 收到 confirms.
    second = await send_notice(console, ADMIN, "/notice 泸州 下午三点开线上培训会。")
    await deliver(app, console.messenger)
    await say(console, STRANGER, groups[1], "好的，收到")
    assert STRANGER.first_name in await reply_to(
        console, ADMIN, private(ADMIN), f"/notice_status {second}"
    )
    assert STRANGER.first_name not in await reply_to(
        console, ADMIN, private(ADMIN), f"/notice_status {first}"
    )
    # Half a day later, a plain 收到 is about something else.
    clock.advance(hours=13)
    await say(console, LUZHOU_COORD, groups[0], "收到")
    assert LUZHOU_COORD.first_name not in await reply_to(
        console, ADMIN, private(ADMIN), f"/notice_status {second}"
    )


async def test_the_same_notice_again_is_flagged_in_its_preview(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    first = await send_notice(console, ADMIN, f"/notice 泸州 {BODY}")
    await deliver(app, console.messenger)
    again = await reply_to(console, ADMIN, private(ADMIN), f"/notice 泸州 {BODY}")
    assert "完全相同" in again and f"#{first}" in again
    other = await reply_to(console, ADMIN, private(ADMIN), f"/notice 德阳 {BODY}")
    assert "完全相同" not in other  # other groups: a notice of its own
    clock.advance(hours=25)
    assert "完全相同" not in await reply_to(console, ADMIN, private(ADMIN), f"/notice 泸州 {BODY}")


async def test_a_regional_coordinator_can_only_reach_their_own_region(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    await make_coordinator(console)
    me = private(LUZHOU_COORD)

    assert "⛔" in await reply_to(console, LUZHOU_COORD, me, f"/notice 德阳 {BODY}")
    assert "⛔" in await reply_to(console, LUZHOU_COORD, me, f"/notice 泸州、德阳 {BODY}")
    assert "⛔" in await reply_to(console, LUZHOU_COORD, me, f"/notice 全部 {BODY}")
    assert await outbox(app.sessions) == [] and await notice_count(app.sessions) == 0

    number = await send_notice(console, LUZHOU_COORD, f"/notice 泸州 {BODY}")
    await deliver(app, console.messenger)
    assert [len(sent_to(console, g)) for g in groups] == [1, 1, 0, 0]
    assert "⛔" in await reply_to(console, STAFF, private(STAFF), f"/notice_status {number}")


async def test_bad_input_gets_a_plain_answer_and_queues_nothing(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    me = private(ADMIN)
    assert "用法：/notice 目标 正文" in await reply_to(console, ADMIN, me, "/notice")
    assert "通知内容是空的" in await reply_to(console, ADMIN, me, "/notice 全部")
    unknown = await reply_to(console, ADMIN, me, f"/notice 泸洲、德阳 {BODY}")
    assert "“泸洲”" in unknown and "德阳”" not in unknown and "例如" in unknown
    assert "还没有机器人所在的群" in await reply_to(console, ADMIN, me, f"/notice 雅安 {BODY}")
    too_long = await reply_to(console, ADMIN, me, "/notice 全部 " + "长" * 4100)
    assert "4096" in too_long
    in_group = await reply_to(console, ADMIN, groups[0], f"/notice 全部 {BODY}")
    assert "私聊" in in_group
    assert "⛔" in await reply_to(console, STRANGER, private(STRANGER), f"/notice 全部 {BODY}")
    assert await outbox(app.sessions) == [] and await notice_count(app.sessions) == 0


async def test_cancel_sends_nothing(app: App, console: ConsoleSession, groups: list[Chat]) -> None:
    await reply_to(console, ADMIN, private(ADMIN), f"/notice 全部 {BODY}")
    preview_buttons = buttons(console, private(ADMIN))
    await console.press(ADMIN, private(ADMIN), preview_buttons["取消"])
    await console.press(ADMIN, private(ADMIN), preview_buttons["发送"])  # too late
    await deliver(app, console.messenger)
    assert "已取消" in sent_to(console, private(ADMIN))[-1]
    assert await outbox(app.sessions) == []
    assert all(sent_to(console, g) == [] for g in groups)


async def test_nudge_reminds_only_unconfirmed_groups_at_most_every_30_minutes(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    number = await send_notice(console, ADMIN, f"/notice 全部 {BODY}")
    await deliver(app, console.messenger)
    await console.press(STAFF, groups[0], buttons(console, groups[0])["收到"])

    answer = await reply_to(console, ADMIN, private(ADMIN), f"/nudge {number}")
    await deliver(app, console.messenger)
    assert "已向 3 个未确认的群发送提醒" in answer
    assert [len(sent_to(console, g)) for g in groups] == [1, 2, 2, 2]
    assert "提醒" in sent_to(console, groups[1])[-1]

    again = await reply_to(console, ADMIN, private(ADMIN), f"/nudge {number}")
    assert "30 分钟内只能提醒一次" in again
    clock.advance(minutes=31)
    await console.press(STRANGER, groups[1], buttons(console, groups[1])["收到"])
    assert "已向 2 个未确认的群" in await reply_to(
        console, ADMIN, private(ADMIN), f"/nudge {number}"
    )


async def test_receipt_on_a_withdrawn_notice_says_so(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    number = await send_notice(console, ADMIN, f"/notice 德阳 {BODY}")
    await deliver(app, console.messenger)
    withdrawn = await reply_to(console, ADMIN, private(ADMIN), f"/notice_delete {number}")
    assert "已撤回" in withdrawn
    await console.press(STAFF, groups[2], buttons(console, groups[2])["收到"])
    out = console.messenger.out
    assert isinstance(out, io.StringIO) and "按钮提示：这条通知已被撤回" in out.getvalue()
    assert "已撤回" in await reply_to(console, ADMIN, private(ADMIN), "/notices")


async def test_a_notice_replying_to_a_file_sends_the_file_first(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    me = private(ADMIN)
    command = IncomingMessage(
        update_id=990001,
        chat=me,
        message_id=77,
        date=app.core.clock.now(),
        sender=ADMIN,
        kind=MessageKind.TEXT,
        text="/notice 凉山 请查看附件中的培训安排",
        reply_to=ReplyTarget(message_id=76, sender=ADMIN),
    )
    await app.core.handle(command, console.messenger)
    assert "附件" in sent_to(console, me)[-1]
    await console.press(ADMIN, me, buttons(console, me)["发送"])
    await deliver(app, console.messenger)
    copied, notice = sent_to(console, groups[3])
    assert "转发消息 76" in copied and "培训安排" in notice


async def test_saved_group_lists_and_skipped_groups(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    me = private(ADMIN)
    saved = await reply_to(console, ADMIN, me, f"/notice_list 重点 {groups[0].title}、德阳")
    assert "已保存群名单“重点”（2 个群）" in saved
    assert "重点（2 个群）" in await reply_to(console, ADMIN, me, "/notice_list")
    assert "找不到这些群：不存在的群" in await reply_to(
        console, ADMIN, me, "/notice_list 另一个 不存在的群"
    )
    assert "找不到这些群：²" in await reply_to(console, ADMIN, me, "/notice_list 另一个 ²")
    await console.bot_membership(ADMIN, groups[2], present=False)  # the bot leaves 德阳2号群
    preview = await reply_to(console, ADMIN, me, f"/notice 重点 {BODY}")
    assert "共 1 个群" in preview and f"跳过机器人已被移出的 1 个群：{groups[2].title}" in preview


async def test_recent_notices_are_listed(
    app: App, console: ConsoleSession, groups: list[Chat]
) -> None:
    first = await send_notice(console, ADMIN, f"/notice 泸州 {BODY}")
    second = await send_notice(console, ADMIN, "/notice 凉山 培训改到下周二")
    await deliver(app, console.messenger)
    listing = await reply_to(console, ADMIN, private(ADMIN), "/notices")
    assert listing.index(f"#{second}") < listing.index(f"#{first}")
    assert "送达 2/2 个群" in listing and "培训改到下周二" in listing


async def test_a_report_lost_to_a_crash_is_sent_when_the_sender_starts_again(
    app: App, console: ConsoleSession, groups: list[Chat], clock: FakeClock
) -> None:
    number = await send_notice(console, ADMIN, f"/notice 泸州 {BODY}")
    # a sender recorded both deliveries, then died before telling the notice feature
    async with UnitOfWork(app.sessions) as uow:
        await uow.session.execute(
            update(OutboxMessage).values(state=DeliveryState.SENT, finished_at=clock.now())
        )
        await uow.commit()
    await deliver(app, console.messenger)
    [report] = [t for t in sent_to(console, private(ADMIN)) if "已发送完毕" in t]
    assert f"通知 #{number}" in report and "送达 2/2 个群" in report
