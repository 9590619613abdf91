"""Groups: binding a group to its region and listing groups (the core follows a group's life:
handlers/core/groups.py)."""

from __future__ import annotations

from collections import defaultdict

from handlers.core.commands import Audience, Command, Where, usage_hint
from handlers.core.context import Context
from handlers.core.feature import Feature
from handlers.core.model import IncomingMessage
from handlers.shared.regions import read_regions, region_names, resolve_region
from handlers.shared.targeting import group_titles
from storage.directory import Group


async def bind(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/bind: attach this group to one of the 21 regions."""
    if not args:
        ctx.reply(usage_hint(BIND))
        return
    regions = await ctx.uow.regions.all()
    named, unknown = read_regions(args, regions)
    if len(named) > 1:
        names = "、".join(r.name for r in named)
        ctx.reply(f"一个群只能绑定一个市州，您写了{names}。{usage_hint(BIND)}")
        return
    if unknown or not named:
        ctx.reply(f"未找到市州“{args[:20]}”。可选：{region_names(regions)}")
        return
    region = named[0]
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
