"""Deadlines as coordinators set and change them, and the groups' 已完成 button.

``/deadline [目标] 时间 事项 [提前 3天,1天,2小时]`` sets a deadline for this group, or for the
groups the targets name (全部, regions, a saved list; coordinators only their own regions);
每周五下午5点 / 每月5日 make it repeat (to an optional end). One more than two years ahead
waits for its creator's 确认. ``/deadline_edit`` moves it or changes what is due or the lead
times, and the reminders follow; ``/deadline_cancel`` stops them. Reminder rows are planned
and queued by ``handlers/reminders.py``; ``/remind_workdays`` keeps a group's reminders off
non-working days.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

from handlers.core.commands import Audience, Command, usage_hint
from handlers.core.context import Context
from handlers.core.model import (
    Button,
    IncomingMessage,
)
from handlers.deadlines.reminders import (
    DEFAULT_LEADS,
    lead_text,
    period,
    plan,
    recurrence_data,
    recurrence_of,
    recurrence_text,
)
from handlers.shared.dates import format_when
from handlers.shared.dates import time_left as left
from handlers.shared.targeting import (
    TargetWords,
    group_titles,
    read_targets,
    regions_outside,
    unknown_regions_text,
)
from handlers.shared.when import Deadline as Parsed
from handlers.shared.when import Unclear, is_far, parse_deadline, reminder_offsets
from handlers.shared.workdays import calendar_covers
from storage.deadlines import Deadline, DeadlineReminder
from storage.directory import Group

_LEADS = re.compile(r"\s*提前.*$", re.S)

# A reminder reaches the outbox at most about this many seconds late.
REMINDER_EVERY = 1


# --- /deadline ------------------------------------------------------------------------------


async def _targets(ctx: Context, words: TargetWords) -> tuple[str, list[Group]] | str:
    """The groups ``words`` name (label and groups the bot is in), or why they cannot be used."""
    if words.unknown:
        unknown = await unknown_regions_text(ctx, list(words.unknown))
        return f"{unknown}\n目标只能是全部、市州名或群名单。{usage_hint(DEADLINE)}"
    if words.everywhere and not ctx.actor.is_provincial_admin:
        return "⛔ 只有省级管理员可以为全部群设置截止时间。"
    chosen = words.groups(await ctx.uow.groups.all())
    if outside := regions_outside(ctx.actor, chosen):
        return f"⛔ 您无权为{'、'.join(outside)}的群设置截止时间。"
    return words.label, [g for g in chosen if g.active]


def split_leads(args: str) -> tuple[str, list[timedelta] | Unclear | None]:
    """The text before ``提前 …`` and the lead times it gives (None: not given)."""
    found = _LEADS.search(args)
    if found is None:
        return args, None
    return args[: found.start()].strip(), reminder_offsets(found.group().strip())


def parse_or_explain(ctx: Context, text: str, now: datetime, command: Command) -> Parsed | None:
    """The deadline in ``text``, or None after telling the user what was not understood."""
    parsed = parse_deadline(text, now, ctx.config.end_of_day)
    if isinstance(parsed, Unclear):
        understood = (
            f"\n我的理解是：{format_when(parsed.understood, now)}。" if parsed.understood else ""
        )
        ctx.reply(f"⚠️ {parsed.reason}{understood}\n请写明具体时间重新发送。{usage_hint(command)}")
        return None
    return parsed


async def deadline(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/deadline [目标] 时间 事项 [提前 …]: set a deadline and its reminder series."""
    if not args:
        ctx.reply(usage_hint(DEADLINE))
        return
    words = await read_targets(ctx, args)
    targets = await _targets(ctx, words) if words is not None else None
    if isinstance(targets, str):
        ctx.reply(targets)
        return
    if targets is not None and words is not None:
        args = words.rest
    elif ctx.group is None:
        unknown = await unknown_regions_text(ctx, [args.split()[0][:30]])
        ctx.reply(f"私聊中请先写目标群（全部、市州名或群名单）。{unknown}\n{usage_hint(DEADLINE)}")
        return
    elif not ctx.actor.may_manage(ctx.group.region_id):
        ctx.reply("⛔ 您不是本群所属市州的协调员，不能为本群设置截止时间。")
        return
    else:
        targets = ("本群", [ctx.group])
    label, groups = targets
    if not groups:
        ctx.reply(f"{label}还没有机器人所在的群，没有可以提醒的群。发送 /groups 查看各市州的群。")
        return
    text, leads = split_leads(args)
    if isinstance(leads, Unclear):
        ctx.reply(f"提前提醒的时间没看懂：{leads.reason}")
        return
    now = ctx.clock.now()
    parsed = parse_or_explain(ctx, text, now, DEADLINE)
    if parsed is None:
        return
    if not parsed.what.strip():
        ctx.reply(f"请写明截止的是什么事项。{usage_hint(DEADLINE)}")
        return
    await _create(ctx, parsed, leads or list(DEFAULT_LEADS), label, groups, now)


async def _create(
    ctx: Context, parsed: Parsed, leads: list[timedelta], label: str, groups: list[Group],
    now: datetime,
) -> None:  # fmt: skip
    assert ctx.actor.user is not None
    what = parsed.what.strip()[:1000]
    covered = await ctx.uow.deadlines.covering(what, parsed.at, [g.id for g in groups])
    already = "、".join(f"#{number}" for number in sorted(set(covered.values())))
    groups = [g for g in groups if g.id not in covered]
    if not groups:
        ctx.reply(
            f"已有相同的截止 {already}：{what}，{format_when(parsed.at, now)}，没有重复设置。"
            f"\n修改请用 /deadline_edit 编号，查看：/deadlines"
        )
        return
    far = is_far(parsed, now)
    preview = far or len(groups) > 1  # several groups: show whom it reaches, as notices do
    row = Deadline(
        what=what,
        due_at=parsed.at,
        leads=sorted({int(lead.total_seconds()) for lead in leads}, reverse=True),
        targets_label=label[:255],
        created_by=ctx.actor.user.id,
        created_by_name=ctx.actor.user.label[:255],
        created_at=now,
        cancelled=False,
        confirmed=not preview,
        recurrence=recurrence_data(parsed.recurrence) if parsed.recurrence else None,
    )
    saved = await ctx.uow.deadlines.add(row, [g.id for g in groups], [])
    if far and len(groups) == 1:
        ctx.reply(
            f"⚠️ 截止时间 {format_when(parsed.at, now)} 在两年以后，请确认无误。\n"
            f"事项：{saved.what}\n确认后才会设置提醒。",
            buttons=_confirm_buttons(saved.id),
        )
        return
    if preview:
        ctx.reply(_preview(saved, groups, now, far), buttons=_confirm_buttons(saved.id))
        return
    text = await schedule_reminders(ctx, saved, groups, groups, "✅ 已设置截止")
    if parsed.note:
        text += f"\n（{parsed.note}）"
    if covered:
        text += f"\n另有 {len(covered)} 个群已有相同的截止 {already}，这些群没有重复设置。"
    ctx.reply(text)


def _preview(deadline: Deadline, groups: list[Group], now: datetime, far: bool) -> str:
    """Whom a deadline for several groups reaches, before it is set."""
    ordered = sorted(groups, key=lambda g: g.region.position if g.region else 99)
    by_region = Counter(g.region.name if g.region else "未绑定市州" for g in ordered)
    regions = "、".join(f"{name} {count} 个" for name, count in by_region.items())
    lines = [
        f"📋 请确认截止：{deadline.what}",
        f"截止时间：{format_when(deadline.due_at, now)}（{left(deadline.due_at, now)}）",
        f"提醒对象：{deadline.targets_label}，共 {len(groups)} 个群（{regions}）",
    ]
    if far:
        lines.append("⚠️ 截止时间在两年以后，请确认无误。")
    lines.append("确认后才会设置提醒。")
    return "\n".join(lines)


def _confirm_buttons(deadline_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("确认设置", f"deadline:confirm:{deadline_id}"),
            Button("取消", f"deadline:drop:{deadline_id}"),
        ),
    )


async def schedule_reminders(
    ctx: Context, deadline: Deadline, groups: list[Group], reminded: list[Group], head: str
) -> str:
    """Plan and store the reminders of ``deadline`` for the ``reminded`` groups; what the
    deadline now is, for the reply."""
    now = ctx.clock.now()
    planned = list(plan(deadline, reminded, now))
    await ctx.uow.deadlines.add_reminders(planned)
    return _described(deadline, groups, now, head, planned)


def _shifted(planned: list[DeadlineReminder], now: datetime) -> list[str]:
    """The reminders moved out of the night or off a day off, by their new time. Leads moved to
    the same time go out as one reminder (the run that sends them keeps the last)."""
    moved: dict[datetime, set[int]] = {}
    for r in planned:
        if r.fire_at != r.due_at - timedelta(seconds=r.lead):
            moved.setdefault(r.fire_at, set()).add(r.lead)
    for r in planned:  # an unmoved reminder at a moved one's time merges with it too
        if r.fire_at in moved:
            moved[r.fire_at].add(r.lead)
    lines = []
    for at, leads in sorted(moved.items()):
        together = "，合并为一条" if len(leads) > 1 else ""
        named = "、".join(lead_text(s) for s in sorted(leads, reverse=True))
        lines.append(f"提前 {named}的提醒改在 {format_when(at, now)} 发出{together}")
    return lines


def _described(
    deadline: Deadline, groups: list[Group], now: datetime, head: str,
    planned: list[DeadlineReminder],
) -> str:  # fmt: skip
    """What a deadline now is: its time, groups and reminders (confirmations, edits)."""
    rec = recurrence_of(deadline)
    lines = [f"{head} #{deadline.id}：{deadline.what}"]
    if rec is not None:
        lines.append(f"周期：{recurrence_text(rec)}")
    when = "下次截止" if rec else "截止时间"
    lines.append(f"{when}：{format_when(deadline.due_at, now)}（{left(deadline.due_at, now)}）")
    titles = group_titles(groups)
    lines.append(f"提醒对象：{deadline.targets_label}（{len(groups)} 个群：{titles}）")
    fits = [s for s in deadline.leads if rec is None or timedelta(seconds=s) < period(rec)]
    ahead = [s for s in fits if deadline.due_at - timedelta(seconds=s) > now]
    if shown := (fits if rec else ahead):
        each = "每次" if rec else ""
        lines.append(f"提醒时间：{each}提前 " + "、".join(lead_text(s) for s in shown))
    if rec is not None and len(fits) < len(deadline.leads):
        too_long = [lead_text(s) for s in deadline.leads if s not in fits]
        lines.append("、".join(too_long) + " 超过一个周期，不提醒。")
    if short := [s for s in fits if s not in ahead]:
        scope = "本次" if rec else ""
        lines.append(
            f"{scope}距截止已不足 " + "、".join(lead_text(s) for s in short) + "，这些提醒跳过。"
        )
    if not ahead:
        lines.append("⚠️ 距截止太近，不会再发提醒。")
    if moved := _shifted(planned, now):
        lines.append("；".join(moved[:5]) + "（避开夜间 22:00–08:00 或休息日）。")
    due_day = deadline.due_at.astimezone(now.tzinfo).date()
    if any(g.workdays_only for g in groups) and not calendar_covers(due_day):
        lines.append(f"{due_day.year}年的放假安排尚未公布，暂按周一至周五计算工作日。")
    number = deadline.id
    lines.append(f"修改：/deadline_edit {number} 新时间　取消：/deadline_cancel {number}")
    return "\n".join(lines)


DEADLINE = Command(
    "deadline",
    "设置截止时间，按时提醒各群",
    "/deadline [目标] 时间 事项 [提前 3天,1天,2小时]，"
    "例如 /deadline 6月30日18:00 项目入场报名截止；"
    "重复的：/deadline 每周五下午5点 提交周报 到12月底；"
    "私聊中要写目标：/deadline 泸州、德阳 明天下午三点 提交月报 提前 2小时",
    deadline,
    audience=Audience.COORDINATOR,
)
