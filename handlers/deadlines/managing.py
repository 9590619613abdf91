"""Deadlines after they are set: /deadlines, /deadline_edit, /deadline_cancel, the 已完成 and
确认设置 buttons, and /remind_workdays."""

from __future__ import annotations

import re

from handlers.core.commands import Audience, Command, Where, typed_number, usage_hint
from handlers.core.context import Context
from handlers.core.delivery import delivery
from handlers.core.model import (
    AnswerCallback,
    CallbackPress,
    EditMessage,
    IncomingMessage,
    SendMessage,
)
from handlers.deadlines.reminders import (
    NAME,
    occurrence_stamp,
    recurrence_data,
    recurrence_of,
    recurrence_text,
)
from handlers.deadlines.setting import (
    DEADLINE,
    parse_or_explain,
    schedule_reminders,
    split_leads,
)
from handlers.shared.dates import format_when
from handlers.shared.dates import time_left as left
from handlers.shared.group_settings import switch
from handlers.shared.regions import read_regions
from handlers.shared.targeting import (
    group_titles,
    unknown_regions_text,
)
from handlers.shared.when import Unclear, is_far, reminder_offsets
from storage.deadlines import Deadline

# --- /deadlines -----------------------------------------------------------------------------


async def _scope(ctx: Context, args: str) -> tuple[list[int] | None, str] | None:
    """Which groups' deadlines /deadlines shows (None: all) and how to name them; None once
    answered (unknown or forbidden regions)."""
    if args:
        chosen, unknown = read_regions(args, await ctx.uow.regions.all())
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
        targets = item.targets_label
        if targets == "本群" and where != "本群":  # set in a group: name it here
            targets = group_titles([t.group for t in await ctx.uow.deadlines.targets(item.id)])
        lines.append(
            f"#{item.id} {format_when(item.due_at, now)}（{left(item.due_at, now)}）"
            f"｜{item.what[:40]}{repeat}｜{targets}{mark}"
        )
    if len(found) > 30:
        lines.append(f"……共 {len(found)} 项，只列出最近的 30 项。")
    ctx.reply("\n".join(lines))


# --- /deadline_cancel, /deadline_edit -------------------------------------------------------


async def _own(ctx: Context, number: int, verb: str) -> Deadline | None:
    """The deadline numbered ``number`` if this person may change it, else None (answered)."""
    found = await ctx.uow.deadlines.get(number)
    if found is None or not found.confirmed:
        ctx.reply(f"没有编号为 #{number} 的截止事项。发送 /deadlines 查看。")
    elif not ctx.actor.may_act_on(
        found.created_by, [t.group.region_id for t in await ctx.uow.deadlines.targets(found.id)]
    ):
        ctx.reply(
            f"⛔ 只有截止 #{number} 的设置人（仍是其目标市州的协调员时）或省级管理员可以{verb}它。"
        )
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
        await ctx.uow.outbox.cancel(NAME, found.id, ctx.clock.now())
        ctx.reply(f"🗑 已取消截止 #{found.id}（{found.what[:40]}），{stopped} 条提醒不再发送。")
        notice = f"🗑 截止 #{found.id}（{found.what[:40]}）已取消，不再提醒。"
        await _tell_groups(ctx, found, "cancelled", notice)


# Labels /deadline_edit takes, as /faq_add takes its own: 时间 7月2日 事项 交预算 提前 1天.
_LABEL = re.compile(
    r"(?:^|(?<=\s))(?P<label>截止时间|新时间|时间|日期|新事项|事项|内容|提前)\s*[:：]?\s*"
)
_FIELD_OF = {"截止时间": "time", "新时间": "time", "时间": "time", "日期": "time"} | {
    "新事项": "what", "事项": "what", "内容": "what", "提前": "leads",
}  # fmt: skip


def _labelled(change: str) -> dict[str, str] | None:
    """The fields of a change written with labels (时间：7月2日 事项：交预算), or None when it
    does not start with one."""
    labels = list(_LABEL.finditer(change))
    if not labels or labels[0].start() != 0:
        return None
    fields: dict[str, str] = {}
    for label, following in zip(labels, [*labels[1:], None], strict=True):
        end = following.start() if following is not None else len(change)
        fields[_FIELD_OF[label["label"]]] = change[label.end() : end].strip()
    return fields


async def edit(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/deadline_edit ID 新时间 [新事项] [提前 …] | ID 事项 新内容 | ID 提前 …"""
    typed, _, change = args.strip().partition(" ")
    number = typed_number(typed)
    fields = _labelled(change.strip())
    if fields is None:  # 新时间 [新事项] [提前 …] without labels
        text, leads = split_leads(change.strip())
    else:
        text = fields.get("time", "")
        leads = reminder_offsets(fields["leads"]) if "leads" in fields else None
    if number is None or not (text or leads or fields):
        ctx.reply(usage_hint(DEADLINE_EDIT))
        return
    if isinstance(leads, Unclear):
        ctx.reply(f"提前提醒的时间没看懂：{leads.reason}")
        return
    if fields is not None and (empty := [label for label, value in fields.items() if not value]):
        named = {"time": "时间", "what": "事项", "leads": "提前"}[empty[0]]
        ctx.reply(f"请在“{named}”后写上新的内容。{usage_hint(DEADLINE_EDIT)}")
        return
    new_what = fields.get("what") if fields is not None else None
    found = await _own(ctx, number, "修改")
    if found is None:
        return
    now = ctx.clock.now()
    moved = False
    if text:
        parsed = parse_or_explain(ctx, text, now, DEADLINE_EDIT)
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
    if new_what:
        found.what = new_what[:1000]
    if leads:
        found.leads = sorted({int(lead.total_seconds()) for lead in leads}, reverse=True)
    targets = [t for t in await ctx.uow.deadlines.targets(found.id) if t.group.active]
    groups = [t.group for t in targets]
    await ctx.uow.deadlines.drop_pending(found)
    await ctx.uow.outbox.cancel(NAME, found.id, now)
    not_done = [t.group for t in targets if t.done_at is None]
    ctx.reply(await schedule_reminders(ctx, found, groups, not_done, "✏️ 已修改截止"))
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
            delivery(key, SendMessage(g.chat_id, text), NAME, deadline.id)
            for g in groups
            if (key := f"deadline:{deadline.id}:{change}:{stamp}:group:{g.id}")
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
    """确认设置 / 取消 under a deadline's preview (several groups, or two years ahead)."""
    if press.user.id != found.created_by:
        answer = "只有设置人可以确认或取消。"
        ctx.add(AnswerCallback(press.callback_id, answer, show_alert=True))
        return
    if found.confirmed:
        ctx.add(AnswerCallback(press.callback_id, "已经确认过了。"))
        return
    if yes:
        found.confirmed = True
        groups = [t.group for t in await ctx.uow.deadlines.targets(found.id) if t.group.active]
        text = await schedule_reminders(ctx, found, groups, groups, "✅ 已设置截止")
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
    "/deadline_edit 3 事项 提交项目执行报告；/deadline_edit 3 提前 1天,2小时；"
    "也可以写标签（冒号可有可无）：/deadline_edit 3 时间：7月2日 事项：提交预算表",
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
