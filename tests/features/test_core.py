"""Updates delivered twice have their effects once; odd update kinds never crash the bot."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import App
from bot.features import FEATURES
from bot.transports.console import ConsoleSession
from handlers.core.dispatch import all_commands
from handlers.core.model import (
    AnswerCallback,
    CallbackPress,
    Chat,
    ChatType,
    IncomingMessage,
    MessageKind,
    User,
)
from storage.directory import CoordinatorGrant
from storage.uow import UnitOfWork
from storage.updates import ProcessedUpdate
from tests.support.people import ADMIN, LUZHOU_GROUP, STAFF, private
from tests.support.talk import say


def message(
    update_id: int, user: User | None, chat: Chat, text: str | None, **extra: Any
) -> IncomingMessage:
    return IncomingMessage(
        update_id=update_id,
        chat=chat,
        message_id=update_id * 10,
        date=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
        sender=user,
        text=text,
        **extra,
    )


async def count(app: App, model: type) -> int:
    async with UnitOfWork(app.sessions) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_same_update_twice_has_effects_and_replies_once(
    console: ConsoleSession, app: App
) -> None:
    await say(console, STAFF, LUZHOU_GROUP, "我是张社工")
    grant = message(700, ADMIN, private(ADMIN), f"/grant {STAFF.id} 泸州")
    await console.core.handle(grant, console.messenger)
    await console.core.handle(grant, console.messenger)
    replies = [t for chat, t in console.messenger.sent if chat == ADMIN.id]
    assert len(replies) == 1 and "✅" in replies[0]
    assert await count(app, CoordinatorGrant) == 1


async def test_concurrent_duplicates_are_decided_by_the_unique_key(
    console: ConsoleSession, app: App
) -> None:
    """aiogram runs updates concurrently: two copies racing must still act once."""
    await say(console, STAFF, LUZHOU_GROUP, "在")
    grant = message(800, ADMIN, private(ADMIN), f"/grant {STAFF.id} 泸州")
    await asyncio.gather(*(console.core.handle(grant, console.messenger) for _ in range(5)))
    replies = [t for chat, t in console.messenger.sent if chat == ADMIN.id]
    assert len(replies) == 1
    assert await count(app, CoordinatorGrant) == 1


async def test_recycled_update_id_with_new_content_is_processed(console: ConsoleSession) -> None:
    """Telegram restarts update ids after a quiet week; an old id must not swallow news."""
    first = message(42, STAFF, private(STAFF), "/whoami")
    later = replace(first, message_id=9999, text="/start")
    await console.core.handle(first, console.messenger)
    await console.core.handle(later, console.messenger)
    texts = [t for chat, t in console.messenger.sent if chat == STAFF.id]
    assert len(texts) == 2 and "Telegram ID" in texts[0] and "善邻助手" in texts[1]


async def test_processed_updates_are_pruned_after_the_redelivery_window(
    console: ConsoleSession, app: App
) -> None:
    await say(console, STAFF, private(STAFF), "/whoami")
    assert await count(app, ProcessedUpdate) == 1
    console.core.clock.advance(days=4)  # type: ignore[attr-defined]
    await console.core.start(console.messenger)
    assert await count(app, ProcessedUpdate) == 0


async def test_odd_updates_do_not_crash_or_chatter(console: ConsoleSession) -> None:
    anonymous_admin = User(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
    channel = Chat(-1009999, ChatType.CHANNEL, "总会频道")
    odd = [
        message(1, STAFF, LUZHOU_GROUP, None, kind=MessageKind.STICKER),
        message(2, STAFF, LUZHOU_GROUP, None, kind=MessageKind.PHOTO),
        message(3, STAFF, LUZHOU_GROUP, "截图里的问题", kind=MessageKind.PHOTO),
        message(4, STAFF, LUZHOU_GROUP, None, kind=MessageKind.VOICE),
        message(5, STAFF, LUZHOU_GROUP, "/bind 泸州", is_edit=True),
        message(6, STAFF, LUZHOU_GROUP, None, kind=MessageKind.SERVICE, new_members=(STAFF,)),
        message(7, STAFF, LUZHOU_GROUP, None, kind=MessageKind.SERVICE, left_member=STAFF),
        message(8, None, channel, "频道公告", is_channel_post=True),
        message(9, STAFF, LUZHOU_GROUP, ""),
        message(10, STAFF, LUZHOU_GROUP, "   "),
        message(11, STAFF, LUZHOU_GROUP, "项目进展" * 1200),
        message(13, anonymous_admin, LUZHOU_GROUP, "大家注意", sender_chat_id=LUZHOU_GROUP.id),
        message(14, None, LUZHOU_GROUP, "转发自频道", sender_chat_id=channel.id),
        message(15, STAFF, LUZHOU_GROUP, "/"),
        message(16, STAFF, LUZHOU_GROUP, "/ 泸州"),
        message(17, STAFF, LUZHOU_GROUP, "/收到"),
    ]
    for update in odd:
        await console.core.handle(update, console.messenger)
    assert console.messenger.sent == []


async def test_a_huge_private_message_gets_at_most_one_short_answer(
    console: ConsoleSession,
) -> None:
    await console.core.handle(message(12, STAFF, private(STAFF), "字" * 4096), console.messenger)
    assert len(console.messenger.sent) <= 1
    assert all(len(text) < 4096 for _, text in console.messenger.sent)


async def test_huge_arguments_get_a_short_answer(console: ConsoleSession) -> None:
    [answer] = await say(console, ADMIN, LUZHOU_GROUP, "/bind " + "泸" * 5000)
    assert len(answer) < 400 and "未找到市州" in answer


async def test_anonymous_admin_command_is_refused_without_change(
    console: ConsoleSession, app: App
) -> None:
    anonymous_admin = User(1087968824, "Group", username="GroupAnonymousBot", is_bot=True)
    bind = message(20, anonymous_admin, LUZHOU_GROUP, "/bind 泸州", sender_chat_id=LUZHOU_GROUP.id)
    await console.core.handle(bind, console.messenger)
    [(chat_id, text)] = console.messenger.sent
    assert chat_id == LUZHOU_GROUP.id and "匿名" in text
    async with UnitOfWork(app.sessions) as uow:
        group = await uow.groups.by_chat(LUZHOU_GROUP.id)
        assert group is not None and group.region_id is None


async def test_callback_is_answered_so_the_phone_stops_spinning(console: ConsoleSession) -> None:
    press = CallbackPress(77, "cb-1", STAFF, "unknown:1", LUZHOU_GROUP, 5)
    actions = await console.core.process(press)
    assert actions == [AnswerCallback("cb-1", "这个按钮已失效。")]


async def test_concurrent_first_messages_of_a_new_person_in_a_new_group_all_work(
    console: ConsoleSession, app: App
) -> None:
    """First sightings race on unique keys (person, group); none of the updates may be lost."""
    from storage.directory import Group, Person

    updates = [message(900 + i, STAFF, LUZHOU_GROUP, "/whoami") for i in range(6)]
    await asyncio.gather(*(console.core.handle(u, console.messenger) for u in updates))
    assert len(console.messenger.sent) == 6
    assert all("Telegram ID" in text for _, text in console.messenger.sent)
    assert await count(app, Person) == 1 and await count(app, Group) == 1


JUNK_ARGUMENTS = ["", "0", "-1", "#", "²", "9" * 30, "泸" * 5000, "全部", "😀", "\n\n", "@", "a b"]


@pytest.mark.parametrize("command", [c.name for c in all_commands(FEATURES)])
async def test_every_command_with_junk_arguments_answers_without_an_error(
    console: ConsoleSession, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Whoever types it, wherever: a short answer (or none), never a failed update."""
    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    for person, chat in ((ADMIN, LUZHOU_GROUP), (STAFF, LUZHOU_GROUP), (STAFF, private(STAFF))):
        for junk in JUNK_ARGUMENTS:
            for reply in await say(console, person, chat, f"/{command} {junk}".strip()):
                assert 0 < len(reply) < 4096, (command, junk)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "data",
    [
        "faq:show:²",
        "faq:up:" + "9" * 30,
        "notice:ok:" + "9" * 30,
        "notice:send:-1",
        "deadline:done:²:x",
        "deadline:confirm:" + "9" * 30,
        "ticket:claim:²",
        "ticket:cat:" + "9" * 30 + ":²",
        "toffer:file:²",
        "toffer:no:" + "9" * 30,
        "faq:",
        "",
        ":::",
    ],
)
async def test_forged_button_data_is_answered_without_an_error(
    console: ConsoleSession, data: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A modified client can send any callback data: the phone still stops spinning."""
    actions = await console.core.process(CallbackPress(78, "cb-2", STAFF, data, LUZHOU_GROUP, 5))
    assert [type(action) for action in actions] == [AnswerCallback]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
