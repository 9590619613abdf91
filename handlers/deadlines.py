"""Deadlines and their reminders.

``/deadline [目标] 时间 事项 [提前 3天,1天,2小时]`` sets a deadline for this group, or for the
groups the targets name (全部, regions, a saved list; coordinators only their own regions). Its
reminder series (default 7 days, 3 days, 1 day and 2 hours before) is written as rows of
``deadline_reminders``; ``enqueue_due_reminders`` (driven by APScheduler in ``bot/app.py``)
moves each due one into the outbox once. A group's 已完成 button stops the rest of its series.
Not done yet: /deadline_edit, recurring deadlines, moving night reminders to 08:00, holidays.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from handlers.commands import Audience, Command, usage_hint
from handlers.context import Context
from handlers.features import Feature
from handlers.groups import group_titles
from handlers.model import (
    AnswerCallback,
    Button,
    CallbackPress,
    IncomingMessage,
    Keyboard,
    SendMessage,
)
from handlers.notices import EVERYWHERE, pick_names, regions_outside
from handlers.ports import Clock
from handlers.regions import resolve_region
from handlers.roles import unknown_regions_text
from handlers.when import (
    Deadline as Parsed,
)
from handlers.when import (
    Unclear,
    format_when,
    is_far,
    parse_deadline,
    reminder_offsets,
    time_left,
)
from storage.deadlines import ENQUEUED, MISSED, SUPERSEDED
from storage.models import Deadline, DeadlineReminder, Group
from storage.outbox import Queued
from storage.uow import SessionFactory, UnitOfWork

log = logging.getLogger(__name__)

DEFAULT_LEADS = (timedelta(days=7), timedelta(days=3), timedelta(days=1), timedelta(hours=2))
LATE_AFTER = timedelta(minutes=5)  # a reminder enqueued later than this is marked 延迟提醒
_LEADS = re.compile(r"\s*提前.*$", re.S)


def lead_text(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}天"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    return f"{seconds // 60}分钟"


def reminder_key(reminder: DeadlineReminder) -> str:
    due = reminder.due_at.astimezone(UTC).strftime("%Y%m%dT%H%MZ")
    return (
        f"deadline:{reminder.deadline_id}:at:{due}:group:{reminder.group_id}:lead:{reminder.lead}"
    )


def done_button(deadline_id: int) -> Keyboard:
    return ((Button("已完成", f"deadline:done:{deadline_id}"),),)


def reminder_text(deadline: Deadline, now: datetime, late: bool) -> str:
    head = "⏰ 截止提醒（延迟提醒）" if late else "⏰ 截止提醒"
    return (
        f"{head} #{deadline.id}\n{deadline.what}\n"
        f"截止时间：{format_when(deadline.due_at, now)}，{time_left(deadline.due_at, now)}。\n"
        "本群完成后请点“已完成”，之后不再提醒本群。"
    )


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


def _leads(args: str) -> tuple[str, list[timedelta] | Unclear]:
    found = _LEADS.search(args)
    if found is None:
        return args, list(DEFAULT_LEADS)
    return args[: found.start()].strip(), reminder_offsets(found.group().strip())


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
    parsed = parse_deadline(text, now)
    if isinstance(parsed, Unclear):
        understood = (
            f"\n我的理解是：{format_when(parsed.understood, now)}。" if parsed.understood else ""
        )
        ctx.reply(f"⚠️ {parsed.reason}{understood}\n请写明具体时间重新发送。{usage_hint(DEADLINE)}")
        return
    if parsed.recurrence is not None:
        ctx.reply("暂不支持周期性的截止时间（每周、每月），请写一个具体日期。")
        return
    if not parsed.what.strip():
        ctx.reply(f"请写明截止的是什么事项。{usage_hint(DEADLINE)}")
        return
    await _create(ctx, parsed, leads, label, groups, now)


async def _create(
    ctx: Context, parsed: Parsed, leads: list[timedelta], label: str, groups: list[Group],
    now: datetime,
) -> None:  # fmt: skip
    assert ctx.actor.user is not None
    kept = [lead for lead in leads if parsed.at - lead > now]
    skipped = [lead for lead in leads if lead not in kept]
    row = Deadline(
        what=parsed.what.strip()[:1000],
        due_at=parsed.at,
        leads=[int(lead.total_seconds()) for lead in kept],
        targets_label=label[:255],
        created_by=ctx.actor.user.id,
        created_by_name=ctx.actor.user.label[:255],
        created_at=now,
        cancelled=False,
    )
    reminders = [
        DeadlineReminder(
            group_id=group.id,
            due_at=parsed.at,
            lead=int(lead.total_seconds()),
            fire_at=parsed.at - lead,
            state="pending",
        )
        for group in groups
        for lead in kept
    ]
    saved = await ctx.uow.deadlines.add(row, [g.id for g in groups], reminders)
    lines = [
        f"✅ 已设置截止 #{saved.id}：{saved.what}",
        f"截止时间：{format_when(parsed.at, now)}（{time_left(parsed.at, now)}）",
        f"提醒对象：{label}（{len(groups)} 个群：{group_titles(groups)}）",
    ]
    if kept:
        lines.append("提醒时间：提前 " + "、".join(lead_text(r) for r in row.leads))
    if skipped:
        lines.append(
            "距截止已不足 " + "、".join(lead_text(int(s.total_seconds())) for s in skipped)
            + "，这些提醒跳过。"
        )  # fmt: skip
    if is_far(parsed, now):
        lines.append("⚠️ 截止时间在两年以后，请确认无误；如有误请用 /deadline_cancel 取消。")
    lines.append(f"取消：/deadline_cancel {saved.id}")
    ctx.reply("\n".join(lines))


# --- /deadlines, /deadline_cancel, 已完成 -----------------------------------------------------


async def listing(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/deadlines: upcoming deadlines of this group, or (in private) of one's regions."""
    now = ctx.clock.now()
    if ctx.group is not None:
        group_ids: list[int] | None = [ctx.group.id]
        where = "本群"
    elif ctx.actor.is_provincial_admin:
        group_ids, where = None, "全部群"
    elif ctx.actor.is_coordinator:
        group_ids = [g.id for g in await ctx.uow.groups.all() if ctx.actor.may_manage(g.region_id)]
        where = "您负责的市州"
    else:
        ctx.reply("请在群里发送 /deadlines 查看本群的截止事项。")
        return
    found = await ctx.uow.deadlines.upcoming(group_ids, now)
    if not found:
        ctx.reply(f"{where}目前没有即将到期的截止事项。设置：{DEADLINE.usage}")
        return
    lines = [f"📅 {where}即将到期的截止事项："]
    for item in found[:30]:
        lines.append(
            f"#{item.id} {format_when(item.due_at, now)}（{time_left(item.due_at, now)}）"
            f"｜{item.what[:40]}｜{item.targets_label}"
        )
    ctx.reply("\n".join(lines))


async def cancel(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/deadline_cancel ID: the creator or a provincial admin cancels it; reminders stop."""
    number = args.strip().lstrip("#")
    if not number.isdigit():
        ctx.reply(usage_hint(DEADLINE_CANCEL))
        return
    found = await ctx.uow.deadlines.get(int(number))
    user = ctx.actor.user
    if found is None:
        ctx.reply(f"没有编号为 #{number} 的截止事项。发送 /deadlines 查看。")
    elif not (ctx.actor.is_provincial_admin or (user is not None and user.id == found.created_by)):
        ctx.reply(f"⛔ 只有截止 #{number} 的设置人或省级管理员可以取消它。")
    elif found.cancelled:
        ctx.reply(f"截止 #{number} 已经取消过了。")
    else:
        stopped = await ctx.uow.deadlines.cancel(found, ctx.clock.now())
        ctx.reply(f"🗑 已取消截止 #{found.id}（{found.what[:40]}），{stopped} 条提醒不再发送。")


async def on_press(ctx: Context, press: CallbackPress, data: str) -> None:
    """已完成 under a reminder: done for this group; its remaining reminders stop."""
    action, _, ident = data.partition(":")
    found = await ctx.uow.deadlines.get(int(ident)) if ident.isdigit() else None
    if action != "done" or found is None or found.cancelled:
        ctx.add(AnswerCallback(press.callback_id, "这个截止事项已取消，无需操作。"))
        return
    if ctx.group is None:
        ctx.add(AnswerCallback(press.callback_id, "请在收到提醒的群里点击。"))
        return
    first = await ctx.uow.deadlines.mark_done(
        found.id, ctx.group.id, press.user.id, ctx.clock.now()
    )
    text = "这个截止事项不是本群的。"
    if first is not None:
        text = "✅ 已标记本群完成，不再提醒本群。" if first else "本群已经标记完成了。"
    ctx.add(AnswerCallback(press.callback_id, text))


# --- delivery -------------------------------------------------------------------------------


async def enqueue_due_reminders(uow: UnitOfWork, now: datetime) -> int:
    """Write every due reminder into the outbox, in the caller's transaction with marking it.

    Of several due reminders of one deadline in one group (after downtime) only the last is
    sent, marked 延迟提醒 when late; one whose deadline has passed is not sent, and each
    creator gets one summary of what was missed. Returns how many reminders were queued."""
    due = await uow.deadlines.claim_due(now)
    latest: dict[tuple[int, int], DeadlineReminder] = {}
    for reminder in due:
        slot = (reminder.deadline_id, reminder.group_id)
        if slot not in latest or reminder.fire_at >= latest[slot].fire_at:
            latest[slot] = reminder
    queued: list[tuple[str, Queued]] = []
    missed: dict[int, list[DeadlineReminder]] = defaultdict(list)
    for reminder in due:
        item = reminder.deadline
        if reminder.due_at <= now:
            reminder.state = MISSED
            missed[item.created_by].append(reminder)
        elif latest[(reminder.deadline_id, reminder.group_id)] is not reminder:
            reminder.state = SUPERSEDED
        else:
            reminder.state, reminder.enqueued_at = ENQUEUED, now
            late = now - reminder.fire_at > LATE_AFTER
            text = reminder_text(item, now, late)
            chat = reminder.group.chat_id
            queued.append(
                (reminder_key(reminder), SendMessage(chat, text, None, done_button(item.id)))
            )
    for creator, lost in missed.items():
        queued.append((f"deadline:missed:{creator}:{lost[0].id}", _summary(creator, lost, now)))
    if queued:
        await uow.outbox.enqueue(queued, now)
    return len(due)


def _summary(creator: int, lost: list[DeadlineReminder], now: datetime) -> SendMessage:
    lines = ["⚠️ 机器人停机期间，以下截止提醒没有发出，且截止时间已过，不再补发："]
    for reminder in lost[:40]:
        title = reminder.group.title or str(reminder.group.chat_id)
        lines.append(
            f"#{reminder.deadline_id} {reminder.deadline.what[:30]}"
            f"（截止 {format_when(reminder.due_at, now)}，"
            f"提前 {lead_text(reminder.lead)}）→ {title}"
        )
    if len(lost) > 40:
        lines.append(f"……共 {len(lost)} 条。")
    return SendMessage(creator, "\n".join(lines))


async def run_reminders(sessions: SessionFactory, clock: Clock) -> None:
    """The scheduler's job: one transaction that queues whatever reminders are due."""
    try:
        async with UnitOfWork(sessions) as uow:
            await enqueue_due_reminders(uow, clock.now())
            await uow.commit()
    except Exception:
        log.exception("deadline reminders: run failed; the next run retries")


DEADLINE = Command(
    "deadline",
    "设置截止时间，按时提醒各群",
    "/deadline [目标] 时间 事项 [提前 3天,1天,2小时]，"
    "例如 /deadline 6月30日18:00 项目入场报名截止；"
    "私聊中要写目标：/deadline 泸州、德阳 明天下午三点 提交月报 提前 2小时",
    deadline,
    audience=Audience.COORDINATOR,
)
DEADLINES = Command("deadlines", "查看即将到期的截止事项", "/deadlines", listing)
DEADLINE_CANCEL = Command(
    "deadline_cancel",
    "取消截止事项及其提醒",
    "/deadline_cancel 编号，例如 /deadline_cancel 3",
    cancel,
    audience=Audience.COORDINATOR,
)
FEATURE = Feature(
    "deadlines",
    commands=(DEADLINE, DEADLINES, DEADLINE_CANCEL),
    callbacks={"deadline": on_press},
)
