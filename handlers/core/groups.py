"""A group's life as the core follows it: the bot added, removed or promoted, the group
upgraded to a supergroup, and the privacy-mode warning. Every feature relies on it."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.model import IncomingMessage, MembershipChange, MemberStatus
from storage.directory import Group

PRIVACY_WARNING = (
    "⚠️ 致本群管理员：我现在处于 Telegram 的“隐私模式”，只能看到命令和 @我 的消息，"
    "无法自动解答群里的提问。\n"
    "解决办法（任选其一）：\n"
    "① 在 @BotFather 发送 /setprivacy，选择本机器人，设为 Disable，然后把我移出本群再重新拉入；\n"
    "② 把我设为本群管理员。"
)


def greeting(group: Group) -> str:
    intro = (
        "大家好！我是善邻助手 🤝，四川省慈善联合总会的互联网筹款协作机器人。\n"
        "有筹款方面的问题可以直接在群里问，我有把握就会回答，也可以 @我 或用 /ask 提问；"
        "协调员还可以用我给各群发通知、统计“收到”，设置截止提醒。\n"
    )
    if group.region is not None:
        return intro + f"本群已绑定：{group.region.full_name}。发送 /help 查看可用命令。"
    return intro + (
        "本群还没有绑定市州。请省级管理员或本市州协调员在群里发送：/bind 市州名"
        "（例如 /bind 泸州）。\n发送 /help 查看可用命令。"
    )


async def warn_if_blind(ctx: Context, group: Group) -> None:
    """Tell the group's admins, once per group, that privacy mode hides their messages.
    (Telegram shows every message to a bot that is a group admin, privacy mode or not.)"""
    if ctx.bot.can_read_all_group_messages or group.bot_is_admin or group.privacy_warned_at:
        return
    group.privacy_warned_at = ctx.clock.now()
    ctx.send(group.chat_id, PRIVACY_WARNING)


async def on_bot_membership(ctx: Context, change: MembershipChange) -> None:
    """The bot was added to, removed from, or promoted in a chat."""
    if not change.chat.is_group:
        return
    now = ctx.clock.now()
    group = await ctx.uow.groups.ensure(change.chat.id, change.chat.title, now)
    if not change.new_status.is_present:
        group.active, group.left_at = False, now
        return
    joined = not change.old_status.is_present or not group.active
    group.active, group.left_at = True, None
    group.bot_is_admin = change.new_status is MemberStatus.ADMINISTRATOR
    if joined:
        ctx.send(group.chat_id, greeting(group))
    await warn_if_blind(ctx, group)


async def on_migration(ctx: Context, message: IncomingMessage) -> None:
    """A group became a supergroup: keep its row (binding, history) under the new chat id."""
    if message.migrate_to_chat_id is not None:
        await ctx.uow.groups.migrate(message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id is not None:
        await ctx.uow.groups.migrate(message.migrate_from_chat_id, message.chat.id)
