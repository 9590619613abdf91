"""Saved lists of groups to send notices to (/notice_list)."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core.commands import Audience, Command, usage_hint
from handlers.core.context import Context
from handlers.core.model import (
    IncomingMessage,
)
from handlers.shared.regions import resolve_region
from handlers.shared.targeting import (
    EVERYWHERE,
    group_titles,
    list_owner,
    pick_names,
    regions_outside,
)
from storage.directory import Group
from storage.notices import PROVINCE

# --- saved lists of groups -----------------------------------------------------------------


def _find_group(groups: Sequence[Group], name: str) -> Group | None:
    """A group by chat id, exact title, or a part of the title that only one group has."""
    digits = name.removeprefix("-")
    if digits.isascii() and digits.isdigit():  # not ² or ٣, which int() refuses
        return next((g for g in groups if g.chat_id == int(name)), None)
    exact = [g for g in groups if g.title == name]
    partial = [g for g in groups if name in (g.title or "")]
    return exact[0] if exact else partial[0] if len(partial) == 1 else None


async def group_list(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notice_list [名称 群…|名称 删除]: show, save or delete saved lists of groups."""
    name, _, rest = args.partition(" ")
    rest = rest.strip()
    owner = list_owner(ctx.actor)
    if not name:
        saved = await ctx.uow.notices.group_lists(owner)
        by_id = {g.id: g for g in await ctx.uow.groups.all() if ctx.actor.may_manage(g.region_id)}
        whose = "省级管理员共用的" if owner == PROVINCE else "您的"
        lines = [f"📁 {whose}群名单："] if saved else [f"还没有{whose}群名单。"]
        for item in saved:
            members = [by_id[i] for i in item.group_ids if i in by_id]
            lines.append(f"{item.name}（{len(members)} 个群）：{group_titles(members)}")
        ctx.reply("\n".join([*lines, f"用法：{GROUP_LIST.usage}"]))
        return
    existing = await ctx.uow.notices.group_list(owner, name)
    if rest == "删除":
        if existing is None:
            ctx.reply(f"没有名为“{name[:32]}”的群名单。")
            return
        await ctx.uow.notices.delete_group_list(existing)
        ctx.reply(f"🗑 已删除群名单“{name}”。")
        return
    reserved = name.lower() in EVERYWHERE or resolve_region(name, await ctx.uow.regions.all())
    if not rest or len(name) > 32 or reserved:
        why = "名称不能是“全部”或市州名，最长 32 字。" if rest else ""
        ctx.reply(f"{why}{usage_hint(GROUP_LIST)}")
        return
    groups = list(await ctx.uow.groups.all())
    chosen, unknown = pick_names(rest, lambda part: _find_group(groups, part))
    if unknown:
        ctx.reply(f"找不到这些群：{'、'.join(unknown)}。请写群名（或群名中独有的一部分）或群 ID。")
        return
    if outside := regions_outside(ctx.actor, chosen):
        ctx.reply(f"⛔ 名单里有您无权发送的群（{'、'.join(outside)}）。")
        return
    assert ctx.actor.user is not None
    ids = [g.id for g in chosen]
    await ctx.uow.notices.save_group_list(owner, name, ids, ctx.actor.user.id, ctx.clock.now())
    ctx.reply(
        f"✅ 已保存群名单“{name}”（{len(chosen)} 个群）：{group_titles(chosen)}。"
        f"发通知：/notice {name} 正文"
    )


GROUP_LIST = Command(
    "notice_list",
    "查看或保存发通知用的群名单",
    "/notice_list 查看；/notice_list 名称 群名、群名… 保存，"
    "例如 /notice_list 重点群 泸州慈善交流群、凉山沟通群；/notice_list 名称 删除",
    group_list,
    audience=Audience.COORDINATOR,
)
