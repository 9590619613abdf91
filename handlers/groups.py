"""Groups: binding a group to its region, listing groups, and following a group's life
(bot added or removed, upgraded to a supergroup)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from handlers.commands import Audience, Command, Where, usage_hint
from handlers.context import Context
from handlers.features import Feature
from handlers.model import IncomingMessage, MembershipChange, MemberStatus
from handlers.regions import region_names, resolve_region
from storage.models import Group

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


async def bind(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/bind: attach this group to one of the 21 regions."""
    if not args:
        ctx.reply(usage_hint(BIND))
        return
    regions = await ctx.uow.regions.all()
    region = resolve_region(args, regions)
    if region is None:
        ctx.reply(f"未找到市州“{args[:20]}”。可选：{region_names(regions)}")
        return
    group = ctx.group
    assert group is not None
    if not ctx.actor.may_manage(region.id):
        ctx.reply(f"⛔ 您不是{region.name}的协调员，不能把群绑定到{region.name}。")
        return
    if group.region_id is not None and not ctx.actor.may_manage(group.region_id):
        current = group.region.name if group.region else ""
        ctx.reply(f"⛔ 本群已绑定{current}，只有{current}协调员或省级管理员可以更改。")
        return
    if group.region_id == region.id:
        ctx.reply(f"本群已经绑定到 {region.full_name}，无需重复绑定。")
        return
    previous = group.region.name if group.region else None
    group.region_id, group.region = region.id, region
    group.bound_by = ctx.actor.user.id if ctx.actor.user else None
    group.bound_at = ctx.clock.now()
    moved = f"（原为{previous}）" if previous else ""
    ctx.reply(f"✅ 本群已绑定到 {region.full_name}{moved}。今后本市州的通知和提醒会发到这里。")


async def unbind(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/unbind: detach this group from its region."""
    group = ctx.group
    assert group is not None
    if group.region_id is None:
        ctx.reply("本群还没有绑定市州。")
        return
    if not ctx.actor.may_manage(group.region_id):
        ctx.reply("⛔ 只有本市州协调员或省级管理员可以解除绑定。")
        return
    name = group.region.full_name if group.region else ""
    group.region_id, group.region, group.bound_by, group.bound_at = None, None, None, None
    ctx.reply(f"✅ 本群已解除与 {name} 的绑定。")


async def list_groups(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/groups: the groups of each region this person manages (all for provincial admins)."""
    regions = list(await ctx.uow.regions.all())
    if args:
        region = resolve_region(args, regions)
        if region is None:
            ctx.reply(f"未找到市州“{args[:20]}”。可选：{region_names(regions)}")
            return
        regions = [region]
    visible = [r for r in regions if ctx.actor.may_manage(r.id)]
    if not visible:
        ctx.reply("⛔ 您只能查看自己市州的群。")
        return
    by_region: dict[int | None, list[Group]] = defaultdict(list)
    inactive: list[Group] = []
    for group in await ctx.uow.groups.all():
        (by_region[group.region_id] if group.active else inactive).append(group)
    lines = ["📋 群列表："]
    empty: list[str] = []
    for region in visible:
        groups = by_region.get(region.id, [])
        if groups:
            lines.append(f"{region.name}（{len(groups)}）：{group_titles(groups)}")
        else:
            empty.append(region.name)
    if empty:
        lines.append("还没有群：" + "、".join(empty))
    if ctx.actor.is_provincial_admin and not args:
        unbound = by_region.get(None, [])
        if unbound:
            lines.append(f"未绑定市州：{group_titles(unbound)}")
        if inactive:
            lines.append(f"机器人已被移出：{group_titles(inactive)}")
    ctx.reply("\n".join(lines))


def group_titles(groups: Sequence[Group], limit: int = 20) -> str:
    """Group names for a message, the first ``limit`` of them."""
    names = [g.title or str(g.chat_id) for g in groups[:limit]]
    more = f" 等 {len(groups)} 个群" if len(groups) > limit else ""
    return "、".join(names) + more


def switch(ctx: Context, args: str, command: Command, setting: str, current: bool) -> bool | None:
    """A group setting's ``开|关`` argument: the value to store, or None once answered (the
    current state when no argument is given, the usage on anything else, a refusal unless the
    person coordinates the group's region or is a provincial admin)."""
    group = ctx.group
    assert group is not None  # group settings are group commands
    choice = args.strip().lower()
    if not choice:
        ctx.reply(f"本群{setting}目前{'开启' if current else '关闭'}。{usage_hint(command)}")
        return None
    if choice not in ("开", "开启", "on", "关", "关闭", "off"):
        ctx.reply(usage_hint(command))
        return None
    if group.region_id is None and not ctx.actor.is_provincial_admin:
        ctx.reply(f"本群还没有绑定市州，只有省级管理员可以设置{setting}。")
        return None
    if not ctx.actor.may_manage(group.region_id):
        ctx.reply(f"⛔ 只有本群所属市州的协调员或省级管理员可以设置{setting}。")
        return None
    return choice in ("开", "开启", "on")


async def list_regions(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/regions: the 21 region names that /bind understands."""
    regions = await ctx.uow.regions.all()
    lines = [f"{r.position}. {r.name}（{r.full_name}）" for r in regions]
    ctx.reply("全省 21 个市州：\n" + "\n".join(lines))


BIND = Command(
    "bind",
    "把本群绑定到所属市州",
    "/bind 市州名，例如 /bind 泸州（也可写 泸州市、凉山州、阿坝藏族羌族自治州）",
    bind,
    where=Where.GROUP,
    audience=Audience.COORDINATOR,
)
UNBIND = Command(
    "unbind", "解除本群的市州绑定", "/unbind", unbind, Where.GROUP, Audience.COORDINATOR
)
GROUPS = Command(
    "groups",
    "按市州列出机器人所在的群",
    "/groups 或 /groups 泸州",
    list_groups,
    audience=Audience.COORDINATOR,
)
REGIONS = Command("regions", "列出全省 21 个市州", "/regions", list_regions)
FEATURE = Feature("groups", commands=(BIND, UNBIND, GROUPS, REGIONS))
