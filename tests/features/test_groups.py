"""Groups: binding a group to its region, listing groups, groups removed or upgraded — through
the real core on every database."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from bot.app import App
from bot.transports.console import ConsoleSession
from storage.directory import CoordinatorGrant
from storage.uow import UnitOfWork
from tests.support.people import (
    ADMIN,
    LIANGSHAN_GROUP,
    LUZHOU_COORD,
    LUZHOU_GROUP,
    STAFF,
    private,
)
from tests.support.talk import reply_to, say


@dataclass(frozen=True)
class GroupState:
    id: int
    region: str | None
    active: bool


async def group_row(app: App, chat_id: int) -> GroupState | None:
    """What the database holds for a chat, read in a unit of work of its own."""
    async with UnitOfWork(app.sessions) as uow:
        group = await uow.groups.by_chat(chat_id)
        if group is None:
            return None
        return GroupState(group.id, group.region.name if group.region else None, group.active)


async def grant_count(app: App) -> int:
    async with UnitOfWork(app.sessions) as uow:
        return int(await uow.session.scalar(select(func.count(CoordinatorGrant.id))) or 0)


async def test_admin_binds_group_with_any_spelling_of_region(
    console: ConsoleSession, app: App
) -> None:
    for spelling, expected in [
        ("泸州", "泸州市"),
        ("凉山州", "凉山彝族自治州"),
        ("凉山彝族自治州", "凉山彝族自治州"),
        ("阿坝", "阿坝藏族羌族自治州"),
        ("泸州市", "泸州市"),
        ("ＬＵＺＨＯＵ", "泸州市"),
        ("瀘州", "泸州市"),
    ]:
        await say(console, ADMIN, LUZHOU_GROUP, "/unbind")
        answer = await reply_to(console, ADMIN, LUZHOU_GROUP, f"/bind {spelling}")
        assert f"已绑定到 {expected}" in answer, (spelling, answer)
    group = await group_row(app, LUZHOU_GROUP.id)
    assert group is not None and group.region == "泸州"


async def test_unknown_region_lists_valid_names_and_changes_nothing(
    console: ConsoleSession, app: App
) -> None:
    answer = await reply_to(console, ADMIN, LUZHOU_GROUP, "/bind 火星市")
    assert "火星市" in answer and "成都" in answer and "凉山" in answer
    group = await group_row(app, LUZHOU_GROUP.id)
    assert group is not None and group.region is None


async def test_bind_without_argument_shows_usage_with_example(console: ConsoleSession) -> None:
    answer = await reply_to(console, ADMIN, LUZHOU_GROUP, "/bind")
    assert "用法" in answer and "/bind 泸州" in answer


async def test_member_cannot_bind_and_nothing_changes(console: ConsoleSession, app: App) -> None:
    answer = await reply_to(console, STAFF, LUZHOU_GROUP, "/bind 泸州")
    assert "⛔" in answer
    group = await group_row(app, LUZHOU_GROUP.id)
    assert group is not None and group.region is None


async def test_coordinator_binds_only_own_region(console: ConsoleSession, app: App) -> None:
    # the coordinator was never seen yet: the bot cannot know them by id
    unseen = await reply_to(console, ADMIN, private(ADMIN), f"/grant {LUZHOU_COORD.id} 泸州")
    assert "找不到用户" in unseen and await grant_count(app) == 0
    await say(console, LUZHOU_COORD, LUZHOU_GROUP, "大家好")
    assert "✅" in await reply_to(console, ADMIN, private(ADMIN), f"/grant {LUZHOU_COORD.id} 泸州")
    refused = await reply_to(console, LUZHOU_COORD, LIANGSHAN_GROUP, "/bind 凉山")
    assert "⛔" in refused and "凉山" in refused
    assert await group_row(app, LIANGSHAN_GROUP.id) == GroupState(2, None, True)
    assert "已绑定到 泸州市" in await reply_to(console, LUZHOU_COORD, LUZHOU_GROUP, "/bind 泸州")


async def test_groups_lists_by_region_for_admin_and_own_region_for_coordinator(
    console: ConsoleSession,
) -> None:
    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    await say(console, ADMIN, LIANGSHAN_GROUP, "/bind 凉山")
    await say(console, LUZHOU_COORD, LUZHOU_GROUP, "在")
    await say(console, ADMIN, private(ADMIN), f"/grant {LUZHOU_COORD.id} 泸州")
    admin_view = await reply_to(console, ADMIN, private(ADMIN), "/groups")
    assert "泸州（1）：泸州慈善交流群" in admin_view and "凉山（1）：凉山沟通群" in admin_view
    coordinator_view = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/groups")
    assert "泸州慈善交流群" in coordinator_view and "凉山沟通群" not in coordinator_view
    refused = await reply_to(console, LUZHOU_COORD, private(LUZHOU_COORD), "/groups 凉山")
    assert "⛔" in refused and "凉山沟通群" not in refused
    member = await reply_to(console, STAFF, private(STAFF), "/groups")
    assert "⛔" in member


async def test_removed_group_is_marked_inactive_and_listed_apart(
    console: ConsoleSession, app: App
) -> None:
    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    await console.bot_membership(ADMIN, LUZHOU_GROUP, present=False)
    group = await group_row(app, LUZHOU_GROUP.id)
    assert group is not None and not group.active
    view = await reply_to(console, ADMIN, private(ADMIN), "/groups")
    assert "机器人已被移出：泸州慈善交流群" in view
    await console.bot_membership(ADMIN, LUZHOU_GROUP, present=True)
    assert "本群已绑定：泸州市" in console.messenger.sent[-1][1]


async def test_upgraded_group_keeps_binding_under_new_id(
    console: ConsoleSession, app: App
) -> None:
    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    old = await group_row(app, LUZHOU_GROUP.id)
    new_chat = await console.upgrade(ADMIN, LUZHOU_GROUP)
    moved = await group_row(app, new_chat.id)
    assert moved is not None and old is not None
    assert moved.id == old.id and moved.region == "泸州"
    assert await group_row(app, LUZHOU_GROUP.id) is None
    answer = await reply_to(console, STAFF, new_chat, "/whoami")
    assert "泸州市" in answer


async def test_upgrade_news_arriving_in_new_chat_first_still_keeps_binding(
    console: ConsoleSession, app: App
) -> None:
    from handlers.core.model import Chat, ChatType, IncomingMessage, MessageKind

    await say(console, ADMIN, LUZHOU_GROUP, "/bind 泸州")
    new_chat = Chat(-1004001, ChatType.SUPERGROUP, LUZHOU_GROUP.title)
    await say(console, STAFF, new_chat, "升级后第一条消息")  # creates a row for the new id
    for update_id, chat, extra in (
        (501, new_chat, {"migrate_from_chat_id": LUZHOU_GROUP.id}),
        (502, LUZHOU_GROUP, {"migrate_to_chat_id": new_chat.id}),
    ):
        await console.core.handle(
            IncomingMessage(
                update_id=update_id,
                chat=chat,
                message_id=update_id,
                date=console.core.clock.now(),
                sender=ADMIN,
                kind=MessageKind.SERVICE,
                **extra,  # type: ignore[arg-type]
            ),
            console.messenger,
        )
    moved = await group_row(app, new_chat.id)
    assert moved is not None and moved.region == "泸州"
    assert await group_row(app, LUZHOU_GROUP.id) is None
