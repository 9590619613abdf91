"""Notices: a coordinator broadcasts to groups, and each group confirms with 收到.

``/notice 目标 正文`` shows a preview with the number of groups and 发送 / 取消. Pressing 发送
queues one outbox delivery per group (plus the attachment, when the command replied to a
message), in the same transaction; the sender delivers them within the rate budgets and, when
the last one settles, the author gets a delivery report. Regional coordinators reach only their
own regions' groups. Not done yet: pinning in each group, scheduling for a later time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TypeVar

from handlers.chatter import is_acknowledgement
from handlers.commands import Audience, Command, Where, typed_number, usage_hint
from handlers.context import Actor, Context
from handlers.features import Feature
from handlers.groups import group_titles
from handlers.model import (
    AnswerCallback,
    Button,
    CallbackPress,
    CopyMessage,
    EditMessage,
    IncomingMessage,
    Keyboard,
    SendMessage,
)
from handlers.regions import resolve_region
from handlers.roles import unknown_regions_text
from storage.models import Group, Notice, OutboxMessage
from storage.outbox import CANCELLED, FAILED, SENT, Queued
from storage.uow import UnitOfWork

LIMIT = 4096  # Telegram's limit for one message, in UTF-16 code units
EVERYWHERE = ("全部", "所有", "all")
NUDGE_EVERY = timedelta(minutes=30)
# A notice the same as one its author sent this recently gets a warning in its preview.
REPEAT_WARNING = timedelta(hours=24)
# How long after a notice (or its nudge) reached a group a plain 收到 there still confirms it.
BARE_ACK_WINDOW = timedelta(hours=12)
# Words that confirm a notice even without quoting it (好的 or 谢谢 alone do not).
PLAIN_RECEIPTS = ("收到", "已阅", "已读")
_SEPARATORS = re.compile(r"[,，、;；\n]+")
T = TypeVar("T")
_SHOWN = 3900  # status and report texts are cut here, leaving room for the last line


# Outbox keys of what a group receives of a notice: the notice, its attachment, its nudges.
_NOTICE_KEY = re.compile(r"notice:(\d+):(?:group|nudge):")


def topic(notice_id: int) -> str:
    return f"notice:{notice_id}"


def delivery_key(notice_id: int, group_id: int) -> str:
    return f"notice:{notice_id}:group:{group_id}"


def confirm_button(notice_id: int) -> Keyboard:
    return ((Button("收到", f"notice:ok:{notice_id}"),),)


def render(notice: Notice) -> str:
    """The notice as the groups read it."""
    return f"📢 通知 #{notice.id}\n\n{notice.text}\n\n—— {notice.author_name}"


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _local(moment: datetime, zone: tzinfo) -> datetime:
    """A stored (aware) time in the bot's time zone."""
    return moment.astimezone(zone)


def _when(moment: datetime | None, zone: tzinfo) -> str:
    """6月1日 09:00, as dates are written elsewhere (not 06月01日)."""
    if moment is None:
        return "—"
    local = _local(moment, zone)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def _cut(lines: list[str]) -> str:
    """Lines joined, cut to fit one Telegram message."""
    text = ""
    for shown, line in enumerate(lines):
        if utf16_length(text) + utf16_length(line) > _SHOWN:
            return text + f"……（还有 {len(lines) - shown} 行未显示）"
        text += line + "\n"
    return text.rstrip("\n")


def pick_names(names: str, find: Callable[[str], T | None]) -> tuple[list[T], list[str]]:
    """What each of the names (separated by 、 , ; or new lines) finds, once each and in
    order, and the names that find nothing."""
    found: list[T] = []
    unknown: list[str] = []
    for name in (n.strip() for n in _SEPARATORS.split(names)):
        item = find(name) if name else None
        if item is None and name:
            unknown.append(name[:30])
        elif item is not None and item not in found:
            found.append(item)
    return found, unknown


# --- who may reach which groups ----------------------------------------------------------


@dataclass
class Targets:
    label: str  # as the preview and /notices show it
    groups: list[Group]  # the bot is in them
    skipped: list[Group]  # the bot was removed from them


def regions_outside(actor: Actor, groups: Sequence[Group]) -> list[str]:
    """Names of the regions (or 未绑定) among ``groups`` that ``actor`` may not reach."""
    names = {
        g.region.name if g.region else "未绑定市州的群"
        for g in groups
        if not actor.may_manage(g.region_id)
    }
    return sorted(names)


async def _resolve(ctx: Context, spec: str) -> Targets | str:
    """The groups ``spec`` names (全部, a saved list, or regions), or why it names none."""
    actor = ctx.actor
    own = "、".join(r.name for r in actor.coordinator_regions)
    groups = list(await ctx.uow.groups.all())
    if spec.lower() in EVERYWHERE:
        if not actor.is_provincial_admin:
            return f"⛔ 只有省级管理员可以向全部群发通知。请发给自己的市州：/notice {own} 正文"
        chosen = [g for g in groups if g.region_id is not None]
        label = "全部"
    elif saved := await ctx.uow.notices.group_list(spec):
        wanted = set(saved.group_ids)
        chosen = [g for g in groups if g.id in wanted]
        label = f"名单“{saved.name}”"
    else:
        regions = await ctx.uow.regions.all()
        found, unknown = pick_names(spec, lambda name: resolve_region(name, regions))
        if unknown:
            return await unknown_regions_text(ctx, unknown) + f"\n用法：{NOTICE.usage}"
        chosen = [g for g in groups if any(g.region_id == r.id for r in found)]
        label = "、".join(r.name for r in found)
        refused = [r.name for r in found if not actor.may_manage(r.id)]
        if refused:
            return f"⛔ 您不是{'、'.join(refused)}的协调员，只能向{own}的群发通知。"
    if outside := regions_outside(actor, chosen):
        return f"⛔ {label}里有您无权发送的群（{'、'.join(outside)}）。您只能向{own}的群发通知。"
    active = [g for g in chosen if g.active]
    if not active:
        return f"{label}还没有机器人所在的群，没有可以发送的对象。发送 /groups 查看各市州的群。"
    return Targets(label, active, [g for g in chosen if not g.active])


# --- /notice, its preview and its buttons -------------------------------------------------


async def notice(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notice 目标 正文: prepare a notice and show its preview."""
    spec = args.split(maxsplit=1)[0] if args.split() else ""
    body = args[len(spec) :].strip()
    attachment = message.reply_to
    if not spec:
        ctx.reply(usage_hint(NOTICE))
        return
    if not body and attachment is None:
        ctx.reply(f"通知内容是空的。{usage_hint(NOTICE)}")
        return
    targets = await _resolve(ctx, spec)
    if isinstance(targets, str):
        ctx.reply(targets)
        return
    assert ctx.actor.user is not None and message.chat is not None
    draft = Notice(
        author_id=ctx.actor.user.id,
        author_name=ctx.actor.user.label,
        targets=targets.label[:255],
        text=body or "（见上方附件）",
        copy_chat_id=message.chat.id if attachment else None,
        copy_message_id=attachment.message_id if attachment else None,
        state="draft",
        created_at=ctx.clock.now(),
        nudges=0,
    )
    rendered = render(draft)
    if utf16_length(rendered) > LIMIT:
        ctx.reply(
            f"通知太长：连同标题和署名共 {utf16_length(rendered)} 字，超过 Telegram 单条消息 "
            f"{LIMIT} 字的上限。请删减，或分成几条通知发送。"
        )
        return
    saved = await ctx.uow.notices.add(draft, [g.id for g in targets.groups])
    lines = [f"📋 通知预览 #{saved.id}", f"发往：{targets.label}（共 {len(targets.groups)} 个群）"]
    if targets.skipped:
        lines.append(
            f"跳过机器人已被移出的 {len(targets.skipped)} 个群：{group_titles(targets.skipped)}"
        )
    if attachment:
        lines.append("附件：先发送您回复的那条消息，再发送下面的通知。")
    twin = await _sent_before(ctx, saved)
    if twin is not None:
        when = _when(twin.sent_at, ctx.config.timezone)
        lines.append(f"⚠️ 这条通知和您 {when} 发出的通知 #{twin.id} 完全相同，确认要再发一次吗？")
    preview = render(saved)
    if len(preview) > 1500:
        preview = preview[:1500] + f"……（共 {utf16_length(preview)} 字）"
    lines += ["————", preview, "————", "确认无误请点“发送”。"]
    buttons = (
        (Button("发送", f"notice:send:{saved.id}"), Button("取消", f"notice:cancel:{saved.id}")),
    )
    ctx.reply("\n".join(lines), buttons)


async def _sent_before(ctx: Context, draft: Notice) -> Notice | None:
    """The author's notice with the same text and targets sent within REPEAT_WARNING, if any
    (the same /notice typed twice would otherwise reach every group twice)."""
    since = ctx.clock.now() - REPEAT_WARNING
    for earlier in await ctx.uow.notices.recent(draft.author_id):
        same = (earlier.text, earlier.targets, earlier.copy_message_id) == (
            draft.text, draft.targets, draft.copy_message_id,
        )  # fmt: skip
        if same and earlier.state == "sending" and earlier.sent_at and earlier.sent_at >= since:
            return earlier
    return None


async def on_press(ctx: Context, press: CallbackPress, data: str) -> None:
    """The buttons: 发送 and 取消 under a preview, 收到 under a delivered notice."""
    action, _, ident = data.partition(":")
    handler = {"send": _send, "cancel": _cancel, "ok": _confirm}.get(action)
    number = typed_number(ident)
    found = await ctx.uow.notices.get(number) if number is not None else None
    if handler is None or found is None or found.state == "deleted":
        ctx.add(AnswerCallback(press.callback_id, "这条通知已被撤回或删除，无需操作。"))
        return
    await handler(ctx, press, found)


async def _send(ctx: Context, press: CallbackPress, notice: Notice) -> None:
    answer = _draft_problem(press, notice)
    if answer is None:
        answer = await _queue(ctx, notice)
        if press.chat is not None and press.message_id is not None:
            ctx.add(EditMessage(press.chat.id, press.message_id, answer))
    done = notice.state == "sending"
    ctx.add(AnswerCallback(press.callback_id, "已开始发送" if done else answer[:190]))


def _draft_problem(press: CallbackPress, notice: Notice) -> str | None:
    if press.user.id != notice.author_id:
        return "只有发起人可以操作这条通知。"
    if notice.state == CANCELLED:
        return "这条通知已取消。"
    if notice.state != "draft":
        return "这条通知已经发送过了。"
    return None


async def _queue(ctx: Context, notice: Notice) -> str:
    """Queue the deliveries, one per group the bot is still in."""
    groups = [t.group for t in await ctx.uow.notices.targets(notice.id) if t.group.active]
    if outside := regions_outside(ctx.actor, groups):
        return f"⛔ 您已无权向{'、'.join(outside)}的群发通知，未发送。"
    now = ctx.clock.now()
    if not groups:
        notice.state = CANCELLED
        return "目标群都已移除机器人，没有可以发送的群，未发送。"
    deliveries: list[tuple[str, Queued]] = []
    for group in groups:
        key = delivery_key(notice.id, group.id)
        if notice.copy_chat_id is not None and notice.copy_message_id is not None:
            attachment = CopyMessage(group.chat_id, notice.copy_chat_id, notice.copy_message_id)
            deliveries.append((f"{key}:file", attachment))
        deliveries.append(
            (key, SendMessage(group.chat_id, render(notice), None, confirm_button(notice.id)))
        )
    await ctx.uow.outbox.enqueue(deliveries, now, topic=topic(notice.id))
    notice.state, notice.sent_at = "sending", now
    return (
        f"✅ 通知 #{notice.id} 已开始发送到 {len(groups)} 个群。全部发完后我会把送达报告发给您；"
        f"也可以随时发送 /notice_status {notice.id} 查看。"
    )


async def _cancel(ctx: Context, press: CallbackPress, notice: Notice) -> None:
    answer = _draft_problem(press, notice)
    if answer is None:
        notice.state = CANCELLED
        answer = f"已取消，通知 #{notice.id} 没有发送。"
        if press.chat is not None and press.message_id is not None:
            ctx.add(EditMessage(press.chat.id, press.message_id, answer))
    ctx.add(AnswerCallback(press.callback_id, answer))


async def on_text(ctx: Context, message: IncomingMessage) -> bool:
    """A typed 收到 (好的, 已收到谢谢 …) in a group counts as the notice's 收到 button, silently
    (a group where everyone types 收到 would otherwise get as many replies): replying to the
    notice, or — quoting nothing, and saying 收到 — when a notice is the last thing the bot
    delivered to the group, within BARE_ACK_WINDOW."""
    replied, user = message.reply_to, ctx.actor.user
    if ctx.group is None or user is None or message.is_forward:
        return False
    if not is_acknowledgement(message.text or ""):
        return False
    if replied is None:
        if not any(word in (message.text or "") for word in PLAIN_RECEIPTS):
            return False  # a plain 好的 or 谢谢 is as likely to answer a colleague
        since = ctx.clock.now() - BARE_ACK_WINDOW
        delivery = await ctx.uow.outbox.latest_sent(message.chat.id, since)
    elif replied.sender is not None and replied.sender.id == ctx.bot.id:
        delivery = await ctx.uow.outbox.sent_as(message.chat.id, replied.message_id)
    else:
        return False  # 收到 to a person's message
    found = _NOTICE_KEY.match(delivery.key) if delivery is not None else None
    if found is None:
        return False  # a reply to another message of the bot's, or nothing to confirm
    notice = await ctx.uow.notices.get(int(found.group(1)))
    if notice is not None and notice.state == "sending":
        await ctx.uow.notices.confirm(
            notice.id, ctx.group.id, user.id, user.label, ctx.clock.now()
        )
    return True


async def _confirm(ctx: Context, press: CallbackPress, notice: Notice) -> None:
    """收到: recorded once per person and group; the answer stops the button spinning."""
    if ctx.group is None:
        ctx.add(AnswerCallback(press.callback_id, "请在收到通知的群里确认。"))
        return
    now = ctx.clock.now()
    first = await ctx.uow.notices.confirm(
        notice.id, ctx.group.id, press.user.id, press.user.label, now
    )
    text = "✅ 已确认收到，谢谢！" if first else "您已经确认过了，无需重复点击。"
    ctx.add(AnswerCallback(press.callback_id, text))


# --- what happened to a notice ------------------------------------------------------------


@dataclass
class GroupState:
    group: Group
    delivery: OutboxMessage | None
    confirmed_by: list[str]

    @property
    def delivered(self) -> bool:
        return self.delivery is not None and self.delivery.state == SENT

    def line(self) -> str:
        title = self.group.title or str(self.group.chat_id)
        if self.confirmed_by:
            return f"  ✅ {title}：{'、'.join(self.confirmed_by)}"
        if self.delivered:
            return f"  ⏳ {title}（未确认）"
        if self.delivery is None or self.delivery.state == CANCELLED:
            return f"  ⛔ {title}（未发送）"
        if self.delivery.state == FAILED:
            return f"  ❌ {title}：{self.delivery.error}"
        return f"  🕓 {title}（发送中）"


async def group_states(uow: UnitOfWork, notice: Notice) -> list[GroupState]:
    rows = {row.key: row for row in await uow.outbox.topic(topic(notice.id))}
    names: dict[int, list[str]] = defaultdict(list)
    for confirmation in await uow.notices.confirmations(notice.id):
        names[confirmation.group_id].append(confirmation.name)
    return [
        GroupState(t.group, rows.get(delivery_key(notice.id, t.group_id)), names[t.group_id])
        for t in await uow.notices.targets(notice.id)
    ]


def _counts(states: Sequence[GroupState]) -> str:
    delivered = sum(s.delivered for s in states)
    confirmed = sum(bool(s.confirmed_by) for s in states)
    return f"送达 {delivered}/{len(states)} 个群，已确认 {confirmed} 个群"


async def delivery_settled(uow: UnitOfWork, notice_topic: str, now: datetime) -> None:
    """The sender settled one of a notice's deliveries; after the last, report to the author.
    The notice row is locked first, so of two senders settling the last two rows at once the
    second sees the first's outcome and exactly one report is queued."""
    notice = await uow.notices.get(int(notice_topic.split(":")[1]), lock=True)
    if notice is None or notice.reported_at is not None or notice.state == "deleted":
        return
    if await uow.outbox.unsettled(notice_topic):
        return
    notice.reported_at = now
    states = await group_states(uow, notice)
    failed = [s for s in states if not s.delivered]
    lines = [f"📬 通知 #{notice.id} 已发送完毕：{_counts(states)}。"]
    if failed:
        lines += ["未送达："] + [s.line().strip() for s in failed]
    lines.append(f"发送 /notice_status {notice.id} 查看各群“收到”确认情况。")
    report = SendMessage(notice.author_id, _cut(lines))
    await uow.outbox.enqueue([(f"{topic(notice.id)}:report", report)], now)


async def _readable(ctx: Context, args: str, command: Command) -> Notice | None:
    """The notice ``args`` names, if this person may see it; otherwise replies why not."""
    number = typed_number(args.split()[0]) if args.split() else None
    if number is None:
        ctx.reply(usage_hint(command))
        return None
    found = await ctx.uow.notices.get(number)
    user = ctx.actor.user
    if found is None or found.state == "draft":
        ctx.reply(f"没有编号为 #{number} 的通知。发送 /notices 查看最近的通知。")
    elif not (ctx.actor.is_provincial_admin or (user is not None and user.id == found.author_id)):
        ctx.reply(f"⛔ 只有通知 #{number} 的发起人或省级管理员可以查看和操作它。")
    else:
        return found
    return None


async def status(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notice_status ID: per region, who has it and who confirmed."""
    found = await _readable(ctx, args, NOTICE_STATUS)
    if found is None:
        return
    states = await group_states(ctx.uow, found)
    by_region: dict[str, list[GroupState]] = defaultdict(list)
    order = {r.name: r.position for r in await ctx.uow.regions.all()}
    for state in states:
        by_region[state.group.region.name if state.group.region else "未绑定市州"].append(state)
    zone = ctx.config.timezone
    lines = [
        f"📊 通知 #{found.id}（{_when(found.sent_at, zone)} 发往 {found.targets}）",
        f"{_counts(states)}。",
    ]
    if found.state in ("deleted", CANCELLED):
        lines.append("（这条通知已撤回）")
    for name in sorted(by_region, key=lambda n: order.get(n, 99)):
        region = by_region[name]
        lines.append(f"【{name}】{_counts(region)}")
        lines += [s.line() for s in region]
    ctx.reply(_cut(lines))


async def nudge(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/nudge ID: remind the groups that have it but have not confirmed (once per 30 min)."""
    found = await _readable(ctx, args, NUDGE)
    if found is None:
        return
    if found.state != "sending":
        ctx.reply(f"通知 #{found.id} 已撤回或未发送，无法提醒。")
        return
    now = ctx.clock.now()
    zone = ctx.config.timezone
    if found.nudged_at is not None and now - _local(found.nudged_at, zone) < NUDGE_EVERY:
        again = _local(found.nudged_at, zone) + NUDGE_EVERY
        ctx.reply(
            f"通知 #{found.id} 在 {_when(found.nudged_at, zone)} 已提醒过，30 分钟内只能提醒一次。"
            f"请在 {again:%H:%M} 之后再试。"
        )
        return
    waiting = [s for s in await group_states(ctx.uow, found) if s.delivered and not s.confirmed_by]
    if not waiting:
        ctx.reply(f"通知 #{found.id} 已送达的群都已确认收到（或还没有送达的群），无需提醒。")
        return
    found.nudged_at, found.nudges = now, found.nudges + 1
    head = found.text.splitlines()[0][:30]
    text = f"⏰ 提醒：请确认收到通知 #{found.id}（{head}）。收到请点下方按钮。"
    reminders: list[tuple[str, Queued]] = []
    for state in waiting:
        assert state.delivery is not None
        reminder = SendMessage(
            state.group.chat_id, text, state.delivery.message_id, confirm_button(found.id)
        )
        reminders.append(
            (f"notice:{found.id}:nudge:{found.nudges}:group:{state.group.id}", reminder)
        )
    await ctx.uow.outbox.enqueue(reminders, now)
    ctx.reply(
        f"⏰ 已向 {len(waiting)} 个未确认的群发送提醒：{group_titles([s.group for s in waiting])}"
    )


async def recent(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notices: the last ten notices (coordinators: their own)."""
    user = ctx.actor.user
    author = None if ctx.actor.is_provincial_admin or user is None else user.id
    notices = await ctx.uow.notices.recent(author)
    if not notices:
        ctx.reply("还没有发过通知。用法：" + NOTICE.usage)
        return
    lines = ["🗂 最近的通知："]
    for item in notices:
        head = item.text.splitlines()[0][:20]
        summary = {"deleted": "已撤回", CANCELLED: "已取消"}.get(item.state) or _counts(
            await group_states(ctx.uow, item)
        )
        when = _when(item.sent_at or item.created_at, ctx.config.timezone)
        lines.append(f"#{item.id} {when} → {item.targets}：{summary}｜{head}")
    lines.append("发送 /notice_status 编号 查看详情。")
    ctx.reply(_cut(lines))


async def withdraw(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notice_delete ID: stop what has not gone out; 收到 on what has then says so."""
    found = await _readable(ctx, args, NOTICE_DELETE)
    if found is None:
        return
    if found.state == "deleted":
        ctx.reply(f"通知 #{found.id} 已经撤回过了。")
        return
    found.state = "deleted"
    stopped = await ctx.uow.outbox.cancel(topic(found.id), ctx.clock.now())
    ctx.reply(
        f"🗑 通知 #{found.id} 已撤回：{stopped} 条尚未发出的不再发送。"
        "已发到群里的消息仍在，点“收到”会提示已撤回。"
    )


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
    if not name:
        saved = await ctx.uow.notices.group_lists()
        by_id = {g.id: g for g in await ctx.uow.groups.all()}
        lines = ["📁 已保存的群名单："] if saved else ["还没有保存的群名单。"]
        for item in saved:
            members = [by_id[i] for i in item.group_ids if i in by_id]
            lines.append(f"{item.name}（{len(members)} 个群）：{group_titles(members)}")
        ctx.reply("\n".join([*lines, f"用法：{GROUP_LIST.usage}"]))
        return
    existing = await ctx.uow.notices.group_list(name)
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
    await ctx.uow.notices.save_group_list(name, ids, ctx.actor.user.id, ctx.clock.now())
    ctx.reply(
        f"✅ 已保存群名单“{name}”（{len(chosen)} 个群）：{group_titles(chosen)}。"
        f"发通知：/notice {name} 正文"
    )


NOTICE = Command(
    "notice",
    "向多个群发通知并跟踪“收到”",
    "/notice 目标 正文。目标可以是 全部（省级管理员）、市州名（多个用顿号隔开）或已保存的群名单，"
    "例如 /notice 泸州、德阳 请于本周五前提交项目进展表。"
    "回复一张图片或一个文件发送此命令，会先把它发到各群。",
    notice,
    Where.PRIVATE,
    Audience.COORDINATOR,
)
NOTICE_STATUS = Command(
    "notice_status",
    "查看通知的送达和确认情况",
    "/notice_status 通知编号，例如 /notice_status 12",
    status,
    audience=Audience.COORDINATOR,
)
NUDGE = Command(
    "nudge",
    "提醒尚未确认通知的群（30 分钟一次）",
    "/nudge 通知编号，例如 /nudge 12",
    nudge,
    audience=Audience.COORDINATOR,
)
NOTICES = Command("notices", "列出最近的通知", "/notices", recent, audience=Audience.COORDINATOR)
NOTICE_DELETE = Command(
    "notice_delete",
    "撤回通知（未发出的不再发送）",
    "/notice_delete 通知编号，例如 /notice_delete 12",
    withdraw,
    audience=Audience.COORDINATOR,
)
GROUP_LIST = Command(
    "notice_list",
    "查看或保存发通知用的群名单",
    "/notice_list 查看；/notice_list 名称 群名、群名… 保存，"
    "例如 /notice_list 重点群 泸州慈善交流群、凉山沟通群；/notice_list 名称 删除",
    group_list,
    audience=Audience.COORDINATOR,
)
FEATURE = Feature(
    "notices",
    commands=(NOTICE, NOTICE_STATUS, NUDGE, NOTICES, NOTICE_DELETE, GROUP_LIST),
    callbacks={"notice": on_press},
    on_text=on_text,
)
