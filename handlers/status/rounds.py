"""``/collect``: a region's collection rounds. ``/collect 每周五 17:00 截止 周一 12:00`` sets
them (a coordinator of the region or a provincial admin, in the region's group or naming the
region), ``/collect`` shows the setting and the current round, ``/collect 取消`` stops them.
The scheduled part is in ``round_job``."""

from __future__ import annotations

from handlers.core.commands import Audience, Command
from handlers.core.context import Context
from handlers.core.model import IncomingMessage
from handlers.shared.dates import format_when, short_when
from handlers.shared.regions import resolve_region
from handlers.status.messages import NAME
from handlers.status.registry import region_for
from handlers.status.round_job import end, plan_next
from handlers.status.round_plan import COLLECT_USAGE, read_schedule, rule_data
from storage.directory import Region
from storage.status_rounds import RoundSetting, RoundState, StatusRound

STOP_WORDS = ("取消", "停止", "关闭")


async def _region_and_rest(ctx: Context, text: str) -> tuple[Region | str, str]:
    """The region named first (泸州 每周五 …), else the group's or the coordinator's own."""
    first, _, rest = text.partition(" ")
    first = first.removeprefix("市州=").removeprefix("市州：")
    if first and resolve_region(first, await ctx.uow.regions.all()) is not None:
        return await region_for(ctx, first), rest.strip()
    return await region_for(ctx, None), text


def _refused(ctx: Context, region: Region) -> str | None:
    if ctx.actor.may_manage(region.id):
        return None
    return f"⛔ 只有{region.name}的协调员或省级管理员可以设置{region.name}的进展征集。"


def _round_line(ctx: Context, round_: StatusRound) -> str:
    now = ctx.clock.now()
    zone = ctx.config.timezone
    window = f"{format_when(round_.starts_at, now)} – {format_when(round_.closes_at, now)}"
    nudges = "、".join(short_when(moment, zone) for moment in round_.nudge_moments())
    reminded = f"；提醒未报送的项目：{nudges}" if nudges else ""
    moved = ""
    if round_.moved_from is not None:
        moved = f"（原定 {format_when(round_.moved_from, now)} 是休息日，顺延）"
    head = "本轮进行中" if round_.state == RoundState.OPEN else "下一轮"
    return f"{head}：{window}{moved}{reminded}。"


async def _show(ctx: Context, region: Region) -> None:
    setting = await ctx.uow.status_rounds.setting(region.id)
    if setting is None:
        ctx.reply(f"{region.name}还没有设置进展征集。\n用法：{COLLECT_USAGE}")
        return
    lines = [
        f"📅 {region.name}进展征集：{setting.start_phrase} 开始，截止 {setting.close_phrase}"
        f"。设置人：{setting.set_by_name}"
    ]
    current = await ctx.uow.status_rounds.current(region.id)
    if current is not None:
        lines.append(_round_line(ctx, current))
        if current.state == RoundState.OPEN:
            projects = await ctx.uow.status.projects_in_region(region.id)
            done = await ctx.uow.status_rounds.reported_since(region.id, current.starts_at)
            count = sum(1 for p in projects if p.id in done)
            lines.append(f"已报送 {count}/{len(projects)} 个项目。")
    else:
        lines.append("按这个设置已经没有下一轮了（重复的结束日期已过）。")
    lines.append("停止：/collect 取消")
    ctx.reply("\n".join(lines))


async def _stop(ctx: Context, region: Region) -> None:
    setting = await ctx.uow.status_rounds.setting(region.id)
    if setting is None:
        ctx.reply(f"{region.name}没有设置进展征集，无需取消。")
        return
    now = ctx.clock.now()
    current = await ctx.uow.status_rounds.current(region.id, lock=True)
    said = ""
    if current is not None:
        if current.state == RoundState.OPEN:
            said = "进行中的一轮不再提醒，也不再公布汇总。"
        await end(ctx.uow, current, RoundState.CANCELLED, now)
        await ctx.uow.outbox.cancel(NAME, current.id, now, kinds="round-%")
    await ctx.uow.status_rounds.drop_setting(region.id)
    ctx.reply(f"✅ 已停止{region.name}的进展征集。{said}")


async def _set(ctx: Context, region: Region, text: str) -> None:
    now = ctx.clock.now()
    schedule = read_schedule(text, now)
    if isinstance(schedule, str):
        ctx.reply(f"❓ {schedule}\n用法：{COLLECT_USAGE}")
        return
    here = ctx.group is not None and ctx.group.region_id == region.id
    if not here and not await ctx.uow.groups.in_region(region.id):
        ctx.reply(
            f"{region.name}还没有绑定的群，征集结果要发到群里。"
            f"请先在群里发送 /bind {region.name}。"
        )
        return
    user = ctx.actor.user
    assert user is not None
    setting = RoundSetting(
        region_id=region.id, rule=rule_data(schedule.rule),
        start_phrase=schedule.start_phrase[:64], close_phrase=schedule.close_phrase,
        group_id=ctx.group.id if here and ctx.group else None,
        set_by=user.id, set_by_name=user.label[:255], set_at=now,
    )  # fmt: skip
    current = await ctx.uow.status_rounds.current(region.id, lock=True)
    if current is not None and current.state == RoundState.PLANNED:
        await end(ctx.uow, current, RoundState.CANCELLED, now)
        current = None
    await ctx.uow.status_rounds.save_setting(setting)
    said = f"{schedule.start_phrase} 开始，截止 {schedule.close_phrase}"
    lines = [f"✅ 已设置{region.name}的进展征集：{said}。"]
    if current is not None:
        lines.append(
            f"进行中的一轮仍在 {format_when(current.closes_at, now)} 截止，之后按新设置。"
        )
    else:
        upcoming = await plan_next(ctx.uow, setting, now, now)
        if upcoming is not None:
            lines.append(_round_line(ctx, upcoming))
    lines.append(
        "开始时私聊各项目负责人（没有私聊的在群里@），截止前提醒未报送的项目至多两次，"
        "截止时在群里公布已报送/未报送和汇总。休息日顺延到下一个工作日。"
    )
    ctx.reply("\n".join(lines))


async def collect(ctx: Context, message: IncomingMessage, args: str) -> None:
    region, rest = await _region_and_rest(ctx, " ".join(args.split()))
    if isinstance(region, str):
        ctx.reply(f"{region}\n用法：{COLLECT_USAGE}")
        return
    if not rest:
        in_region = ctx.group is not None and ctx.group.region_id == region.id
        if not in_region and (why := _refused(ctx, region)) is not None:
            ctx.reply(why)
            return
        await _show(ctx, region)
        return
    if (why := _refused(ctx, region)) is not None:
        ctx.reply(why)
        return
    if rest in STOP_WORDS:
        await _stop(ctx, region)
    else:
        await _set(ctx, region, rest)


COLLECT = Command(
    "collect", "定期征集项目进展（协调员）", COLLECT_USAGE, collect, audience=Audience.COORDINATOR
)
