"""What a report command (/report, /export, /chart) is about and whether this person may see
it: a region's projects, or the province's totals.

A group bound to a region sees that region and no other (a region sees only its own
projects). Elsewhere — in private, or in a group bound to no region — a coordinator sees their
regions and a provincial admin every region and the province as a whole."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.core.context import Context
from handlers.shared.regions import resolve_region
from handlers.status.messages import clip
from handlers.status.tally import STALE_DAYS
from storage.directory import Region

PROVINCE_WORDS = frozenset({"全省", "全部", "省", "四川", "四川省"})
MAX_DAYS = 365
_DAYS = re.compile(r"([0-9０-９]{1,4})\s*天?")


@dataclass(frozen=True)
class Scope:
    regions: tuple[Region, ...]  # every region of the province when ``province``
    province: bool = False
    days: int = STALE_DAYS

    @property
    def label(self) -> str:
        return "全省" if self.province else self.regions[0].name


@dataclass(frozen=True)
class Asked:
    region: Region | None = None
    province: bool = False
    days: int | None = None


async def read_scope(
    ctx: Context,
    args: str,
    usage: str,
    *,
    managers_only: bool = False,
    days: bool = False,
    province_here: bool = True,
) -> Scope | str:
    """The scope of the command, or the Chinese answer when there is none or it is refused.
    ``managers_only``: only the region's coordinators and provincial admins (an export);
    ``province_here``: the province may be shown in a region's group (its totals name no
    project; an export, which lists every project, may not)."""
    regions = tuple(await ctx.uow.regions.all())
    asked = _read(args, regions, days)
    if isinstance(asked, str):
        return f"{asked}\n用法：{usage}"
    chosen = _choose(ctx, asked, regions, usage)
    if isinstance(chosen, str):
        return chosen
    if chosen.province and not province_here and ctx.group and ctx.group.region_id:
        return "全省的表格含各市州的项目，请在私聊中发送。"
    if managers_only and not chosen.province and not ctx.actor.may_manage(chosen.regions[0].id):
        name = chosen.regions[0].name
        return f"⛔ 只有{name}的协调员或省级管理员可以导出{name}的项目。"
    return chosen


def _read(args: str, regions: tuple[Region, ...], with_days: bool) -> Asked | str:
    region: Region | None = None
    province = False
    days: int | None = None
    for word in args.split():
        number = _DAYS.fullmatch(word) if with_days else None
        if number is not None:
            days = int(
                number.group(1).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            )
            if not 1 <= days <= MAX_DAYS:
                return f"天数要在 1 到 {MAX_DAYS} 之间。"
        elif word in PROVINCE_WORDS:
            province = True
        elif (found := resolve_region(word, regions)) is not None:
            region = found
        else:
            return f"不认识“{clip(word)}”：请写市州名（例如 泸州）" + (
                "或天数。" if with_days else "。"
            )
    if region is not None and province:
        return "请只写一个市州，或写“全省”。"
    return Asked(region, province, days)


def _choose(ctx: Context, asked: Asked, regions: tuple[Region, ...], usage: str) -> Scope | str:
    days = asked.days or STALE_DAYS
    group = ctx.group
    here = group.region_id if group is not None else None
    if asked.province or (asked.region is None and here is None and ctx.actor.is_provincial_admin):
        if not ctx.actor.is_provincial_admin:
            return "⛔ 只有省级管理员可以查看全省汇总。"
        return Scope(regions, province=True, days=days)
    if here is not None:
        mine = next((r for r in regions if r.id == here), None)
        if mine is None:
            return "本群绑定的市州已不存在。"
        if asked.region is not None and asked.region.id != here:
            return (
                f"⛔ 本群属于{mine.name}，只能查看{mine.name}的项目。"
                f"{asked.region.name}的汇总请在私聊中查看（协调员、省级管理员）。"
            )
        return Scope((mine,), days=days)
    if asked.region is not None:
        if not ctx.actor.may_manage(asked.region.id):
            name = asked.region.name
            return (
                f"⛔ 只有{name}的协调员或省级管理员可以在这里查看{name}的项目；"
                f"请在{name}的群里发送。"
            )
        return Scope((asked.region,), days=days)
    own = ctx.actor.coordinator_regions
    if len(own) == 1:
        found = next((r for r in regions if r.id == own[0].id), own[0])
        return Scope((found,), days=days)
    if own:
        names = "、".join(r.name for r in own)
        return f"您协调多个市州（{names}），请写明是哪一个。\n用法：{usage}"
    return "请在本市州的群里发送（成员只能查看本群所属市州的项目）。"
