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
from datetime import datetime, timedelta

from handlers.commands import Audience, Command, Where, typed_number, usage_hint
from handlers.context import Context
from handlers.features import Feature
from handlers.groups import group_titles, switch
from handlers.model import (
    AnswerCallback,
    Button,
    CallbackPress,
    EditMessage,
    IncomingMessage,
    SendMessage,
)
from handlers.notices import EVERYWHERE, pick_names, regions_outside
from handlers.regions import resolve_region
from handlers.reminders import (
    DEFAULT_LEADS,
    lead_text,
    occurrence_stamp,
    period,
    plan,
    recurrence_data,
    recurrence_of,
    recurrence_text,
)
from handlers.roles import unknown_regions_text
from handlers.when import Deadline as Parsed
from handlers.when import Unclear, format_when, is_far, parse_deadline, reminder_offsets
from handlers.when import time_left as left
from handlers.workdays import calendar_covers
from storage.models import Deadline, DeadlineReminder, Group

_LEADS = re.compile(r"\s*提前.*$", re.S)
_WHAT = re.compile(r"^(?:事项|内容)\s*[:：]?\s*")


# --- /deadline ------------------------------------------------------------------------------


async def _targets(ctx: Context, spec: str) -> tuple[str, list[Group]] | str | None:
    """The groups ``spec`` names, why they cannot be used, or None if ``spec`` names none."""
    groups = list(await ctx.uow.groups.all())
    if spec.lower() in EVERYWHERE:
        if not ctx.actor.is_provincial_admin:
            return "⛔ 只有省级管理员可以为全部群设置截止时间。"
        return "全部", [g for g in groups if g.region_id is not None and g.active]
    if saved := await ctx.uow.notices.group_list(spec):
        chosen = [g for g in groups if g.id in set(saved.group_ids)]
        label = f"名单“{saved.name}”"
    else:
        regions = await ctx.uow.regions.all()
        found, unknown = pick_names(spec, lambda name: resolve_region(name, regions))
        if unknown or not found:
            return None
        chosen = [g for g in groups if any(g.region_id == r.id for r in found)]
        label = "、".join(r.name for r in found)
    if outside := regions_outside(ctx.actor, chosen):
        return f"⛔ 您无权为{'、'.join(outside)}的群设置截止时间。"
    return label, [g for g in chosen if g.active]


def _leads(args: str) -> tuple[str, list[timedelta] | Unclear | None]:
    """The text before ``提前 …`` and the lead times it gives (None: not given)."""
    found = _LEADS.search(args)
    if found is None:
        return args, None
    return args[: found.start()].strip(), reminder_offsets(found.group().strip())


def _parse(ctx: Context, text: str, now: datetime, command: Command) -> Parsed | None:
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
    first, _, rest = args.partition(" ")
    targets = await _targets(ctx, first) if rest.strip() else None
    if isinstance(targets, str):
        ctx.reply(targets)
        return
    if targets is not None:
        args = rest.strip()
    elif ctx.group is None:
        unknown = await unknown_regions_text(ctx, [first[:30]])
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
    text, leads = _leads(args)
    if isinstance(leads, Unclear):
        ctx.reply(f"提前提醒的时间没看懂：{leads.reason}")
        return
    now = ctx.clock.now()
    parsed = _parse(ctx, text, now, DEADLINE)
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
    row = Deadline(
        what=what,
        due_at=parsed.at,
        leads=sorted({int(lead.total_seconds()) for lead in leads}, reverse=True),
        targets_label=label[:255],
        created_by=ctx.actor.user.id,
        created_by_name=ctx.actor.user.label[:255],
        created_at=now,
        cancelled=False,
        confirmed=not far,
        recurrence=recurrence_data(parsed.recurrence) if parsed.recurrence else None,
    )
    saved = await ctx.uow.deadlines.add(row, [g.id for g in groups], [])
    if far:
        ctx.reply(
            f"⚠️ 截止时间 {format_when(parsed.at, now)} 在两年以后，请确认无误。\n"
            f"事项：{saved.what}\n确认后才会设置提醒。",
            buttons=_confirm_buttons(saved.id),
        )
        return
    text = await _schedule(ctx, saved, groups, groups, "✅ 已设置截止")
    if covered:
        text += f"\n另有 {len(covered)} 个群已有相同的截止 {already}，这些群没有重复设置。"
    ctx.reply(text)


def _confirm_buttons(deadline_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("确认设置", f"deadline:confirm:{deadline_id}"),
            Button("取消", f"deadline:drop:{deadline_id}"),
        ),
    )


async def _schedule(
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


# --- /deadlines -----------------------------------------------------------------------------


async def _scope(ctx: Context, args: str) -> tuple[list[int] | None, str] | None:
    """Which groups' deadlines /deadlines shows (None: all) and how to name them; None once
    answered (unknown or forbidden regions)."""
    if args:
        regions = await ctx.uow.regions.all()
        chosen, unknown = pick_names(args, lambda name: resolve_region(name, regions))
        if unknown or not chosen:
            unclear = await unknown_regions_text(ctx, unknown[:3] or [args[:30]])
            ctx.reply(f"{unclear}\n{usage_hint(DEADLINES)}")
            return None
        if outside := [r.name for r in chosen if not ctx.actor.may_manage(r.id)]:
            ctx.reply(f"⛔ 只有{'、'.join(outside)}的协调员或省级管理员可以查看该市州的截止事项。")
            return None
        wanted = {r.id for r in chosen}
        in_regions = [g.id for g in await ctx.uow.groups.all() if g.region_id in wanted]
        return in_regions, "、".join(r.name for r in chosen)
    if ctx.group is not None:
        return [ctx.group.id], "本群"
    if ctx.actor.is_provincial_admin:
        return None, "全部群"
    if ctx.actor.is_coordinator:
        mine = [g.id for g in await ctx.uow.groups.all() if ctx.actor.may_manage(g.region_id)]
        return mine, "您负责的市州"
    ctx.reply("请在群里发送 /deadlines 查看本群的截止事项。")
    return None


async def listing(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/deadlines [市州]: upcoming deadlines of this group, or of one's regions (or the named
    ones, for their coordinators)."""
    now = ctx.clock.now()
    scope = await _scope(ctx, args.strip())
    if scope is None:
        return
    group_ids, where = scope
    found = await ctx.uow.deadlines.upcoming(group_ids, now)
    if not found:
        ctx.reply(f"{where}目前没有即将到期的截止事项。设置：{DEADLINE.usage}")
        return
    done: set[int] = set()
    if ctx.group is not None and not args.strip():
        done = await ctx.uow.deadlines.done_in(ctx.group.id, [d.id for d in found[:30]])
    lines = [f"📅 {where}即将到期的截止事项："]
    for item in found[:30]:
        rec = recurrence_of(item)
        repeat = f"（{recurrence_text(rec)}）" if rec else ""
        mark = "｜✅ 本群已完成" if item.id in done else ""
        lines.append(
            f"#{item.id} {format_when(item.due_at, now)}（{left(item.due_at, now)}）"
            f"｜{item.what[:40]}{repeat}｜{item.targets_label}{mark}"
        )
    if len(found) > 30:
        lines.append(f"……共 {len(found)} 项，只列出最近的 30 项。")
    ctx.reply("\n".join(lines))


# --- /deadline_cancel, /deadline_edit -------------------------------------------------------


async def _own(ctx: Context, number: int, verb: str) -> Deadline | None:
    """The deadline numbered ``number`` if this person may change it, else None (answered)."""
    found = await ctx.uow.deadlines.get(number)
    user = ctx.actor.user
    if found is None or not found.confirmed:
        ctx.reply(f"没有编号为 #{number} 的截止事项。发送 /deadlines 查看。")
    elif not (ctx.actor.is_provincial_admin or (user is not None and user.id == found.created_by)):
        ctx.reply(f"⛔ 只有截止 #{number} 的设置人或省级管理员可以{verb}它。")
    elif found.cancelled:
        ctx.reply(f"截止 #{number} 已经取消了。")
    else:
        return found
    return None


async def cancel(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/deadline_cancel ID: the creator or a provincial admin cancels it; reminders stop."""
    number = typed_number(args)
    if number is None:
        ctx.reply(usage_hint(DEADLINE_CANCEL))
        return
    found = await _own(ctx, number, "取消")
    if found is not None:
        stopped = await ctx.uow.deadlines.cancel(found, ctx.clock.now())
        ctx.reply(f"🗑 已取消截止 #{found.id}（{found.what[:40]}），{stopped} 条提醒不再发送。")
        notice = f"🗑 截止 #{found.id}（{found.what[:40]}）已取消，不再提醒。"
        await _tell_groups(ctx, found, "cancelled", notice)


async def edit(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/deadline_edit ID 新时间 [新事项] [提前 …] | ID 事项 新内容 | ID 提前 …"""
    typed, _, change = args.strip().partition(" ")
    number = typed_number(typed)
    text, leads = _leads(change.strip())
    if number is None or not (text or leads):
        ctx.reply(usage_hint(DEADLINE_EDIT))
        return
    if isinstance(leads, Unclear):
        ctx.reply(f"提前提醒的时间没看懂：{leads.reason}")
        return
    renamed = _WHAT.match(text)
    if renamed and not text[renamed.end() :].strip():
        ctx.reply(f"请在“事项”后写上新的内容。{usage_hint(DEADLINE_EDIT)}")
        return
    found = await _own(ctx, number, "修改")
    if found is None:
        return
    now = ctx.clock.now()
    moved = False
    if renamed:
        found.what = text[renamed.end() :].strip()[:1000]
    elif text:
        parsed = _parse(ctx, text, now, DEADLINE_EDIT)
        if parsed is None:
            return
        if is_far(parsed, now):
            ctx.reply(
                f"⚠️ {format_when(parsed.at, now)} 在两年以后，没有修改。"
                "如确需设置，请先取消，再用 /deadline 重新设置（会请您确认）。"
            )
            return
        moved = parsed.at != found.due_at
        found.due_at = parsed.at
        found.recurrence = recurrence_data(parsed.recurrence) if parsed.recurrence else None
        found.what = parsed.what.strip()[:1000] or found.what
    if leads:
        found.leads = sorted({int(lead.total_seconds()) for lead in leads}, reverse=True)
    targets = [t for t in await ctx.uow.deadlines.targets(found.id) if t.group.active]
    groups = [t.group for t in targets]
    await ctx.uow.deadlines.drop_pending(found, now)
    not_done = [t.group for t in targets if t.done_at is None]
    ctx.reply(await _schedule(ctx, found, groups, not_done, "✏️ 已修改截止"))
    if moved:
        await _tell_groups(
            ctx,
            found,
            "moved",
            f"📅 截止 #{found.id} 的时间有调整：{found.what}\n"
            f"新的截止时间：{format_when(found.due_at, now)}（{left(found.due_at, now)}）",
        )


async def _tell_groups(ctx: Context, deadline: Deadline, change: str, text: str) -> None:
    """Tell the groups that were already reminded of a deadline (through the outbox) that it
    changed; the chat the change was made in sees the reply instead."""
    now = ctx.clock.now()
    stamp = now.strftime("%Y%m%dT%H%M%S")
    here = ctx.chat.id if ctx.chat else None
    groups = [g for g in await ctx.uow.deadlines.reminded_groups(deadline.id) if g.chat_id != here]
    await ctx.uow.outbox.enqueue(
        [
            (f"deadline:{deadline.id}:{change}:{stamp}:group:{g.id}", SendMessage(g.chat_id, text))
            for g in groups
        ],
        now,
    )


# --- buttons: 已完成, 确认设置 / 取消 --------------------------------------------------------


async def on_press(ctx: Context, press: CallbackPress, data: str) -> None:
    action, _, rest = data.partition(":")
    ident, _, stamp = rest.partition(":")
    number = typed_number(ident)
    found = await ctx.uow.deadlines.get(number) if number is not None else None
    if found is None or found.cancelled:
        ctx.add(AnswerCallback(press.callback_id, "这个截止事项已取消，无需操作。"))
    elif action == "done":
        await _done(ctx, press, found, stamp)
    elif action in ("confirm", "drop"):
        await _confirm(ctx, press, found, action == "confirm")
    else:
        ctx.add(AnswerCallback(press.callback_id))


async def _done(ctx: Context, press: CallbackPress, found: Deadline, stamp: str) -> None:
    """已完成 under a reminder: done for this group; its remaining reminders stop."""
    if ctx.group is None:
        ctx.add(AnswerCallback(press.callback_id, "请在收到提醒的群里点击。"))
        return
    if stamp and stamp != str(occurrence_stamp(found.due_at)):
        ctx.add(AnswerCallback(press.callback_id, "这一期已经截止了，无需再标记。"))
        return
    first = await ctx.uow.deadlines.mark_done(
        found.id, ctx.group.id, press.user.id, ctx.clock.now()
    )
    text = "这个截止事项不是本群的。"
    if first is not None:
        text = "✅ 已标记本群完成，不再提醒本群。" if first else "本群已经标记完成了。"
    ctx.add(AnswerCallback(press.callback_id, text))


async def _confirm(ctx: Context, press: CallbackPress, found: Deadline, yes: bool) -> None:
    """确认设置 / 取消 under the question about a deadline more than two years ahead."""
    if press.user.id != found.created_by:
        ctx.add(AnswerCallback(press.callback_id, "只有设置人可以确认。", show_alert=True))
        return
    if found.confirmed:
        ctx.add(AnswerCallback(press.callback_id, "已经确认过了。"))
        return
    if yes:
        found.confirmed = True
        groups = [t.group for t in await ctx.uow.deadlines.targets(found.id) if t.group.active]
        text = await _schedule(ctx, found, groups, groups, "✅ 已设置截止")
    else:
        found.cancelled = True
        text = f"已放弃设置截止 #{found.id}（{found.what[:40]}）。"
    ctx.add(AnswerCallback(press.callback_id))
    if press.chat is not None and press.message_id is not None:
        ctx.add(EditMessage(press.chat.id, press.message_id, text))
    else:
        ctx.send(press.user.id, text)


# --- /remind_workdays -----------------------------------------------------------------------


async def workdays(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/remind_workdays 开|关: keep this group's reminders off weekends and public holidays."""
    group = ctx.group
    assert group is not None  # a group command
    choice = switch(ctx, args, REMIND_WORKDAYS, "“提醒避开节假日”", group.workdays_only)
    if choice is None:
        return
    group.workdays_only = choice
    if group.workdays_only:
        ctx.reply(
            "✅ 已开启：落在周末和法定节假日的提醒提前到上一个工作日（按国家放假安排，含调休"
            "上班日）。对之后设置或修改的截止事项生效。"
        )
    else:
        ctx.reply("✅ 已关闭：提醒按原定时间发出（夜间的仍改在 08:00）。")


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
DEADLINES = Command(
    "deadlines",
    "查看即将到期的截止事项",
    "/deadlines（本群或您负责的市州）；协调员可指定市州：/deadlines 泸州",
    listing,
)
DEADLINE_EDIT = Command(
    "deadline_edit",
    "修改截止事项的时间、内容或提前量",
    "/deadline_edit 编号 新时间 [新事项] [提前 …]，例如 /deadline_edit 3 7月2日18:00；"
    "/deadline_edit 3 事项 提交项目执行报告；/deadline_edit 3 提前 1天,2小时",
    edit,
    audience=Audience.COORDINATOR,
)
DEADLINE_CANCEL = Command(
    "deadline_cancel",
    "取消截止事项及其提醒",
    "/deadline_cancel 编号，例如 /deadline_cancel 3",
    cancel,
    audience=Audience.COORDINATOR,
)
REMIND_WORKDAYS = Command(
    "remind_workdays",
    "本群的提醒是否避开周末和节假日",
    "/remind_workdays 开 或 /remind_workdays 关",
    workdays,
    where=Where.GROUP,
)
FEATURE = Feature(
    "deadlines",
    commands=(DEADLINE, DEADLINES, DEADLINE_EDIT, DEADLINE_CANCEL, REMIND_WORKDAYS),
    callbacks={"deadline": on_press},
)
