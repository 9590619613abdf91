"""What happened to a notice: the delivery report to its author when the last delivery
settles, /notice_status, /nudge, /notices and /notice_delete."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from handlers.core.commands import Audience, Command, typed_number, usage_hint
from handlers.core.context import Context
from handlers.core.delivery import delivery
from handlers.core.model import (
    IncomingMessage,
    SendMessage,
)
from handlers.notices.messages import (
    NAME,
    NUDGE_EVERY,
    confirm_button,
    delivery_key,
    fit_lines,
    in_zone,
)
from handlers.notices.sending import NOTICE
from handlers.shared.dates import short_when
from handlers.shared.targeting import (
    group_titles,
)
from storage.directory import Group
from storage.notices import Notice, NoticeState
from storage.outbox import Delivery, DeliveryState, OutboxMessage
from storage.uow import UnitOfWork

# --- what happened to a notice ------------------------------------------------------------


@dataclass
class GroupState:
    group: Group
    delivery: OutboxMessage | None
    confirmed_by: list[str]

    @property
    def delivered(self) -> bool:
        return self.delivery is not None and self.delivery.state == DeliveryState.SENT

    def line(self) -> str:
        title = self.group.title or str(self.group.chat_id)
        if self.confirmed_by:
            return f"  ✅ {title}：{'、'.join(self.confirmed_by)}"
        if self.delivered:
            return f"  ⏳ {title}（未确认）"
        if self.delivery is None or self.delivery.state == DeliveryState.CANCELLED:
            return f"  ⛔ {title}（未发送）"
        if self.delivery.state == DeliveryState.FAILED:
            return f"  ❌ {title}：{self.delivery.error}"
        return f"  🕓 {title}（发送中）"


async def group_states(uow: UnitOfWork, notice: Notice) -> list[GroupState]:
    rows = {row.key: row for row in await uow.outbox.about(NAME, notice.id)}
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


async def delivery_settled(uow: UnitOfWork, notice_id: int, now: datetime) -> None:
    """The sender settled one of a notice's deliveries; after the last, report to the author.
    The notice row is locked first, so of two senders settling the last two rows at once the
    second sees the first's outcome and exactly one report is queued."""
    notice = await uow.notices.get(notice_id, lock=True)
    if notice is None or notice.reported_at is not None or notice.state == NoticeState.DELETED:
        return
    if await uow.outbox.unsettled(NAME, notice.id):
        return
    notice.reported_at = now
    states = await group_states(uow, notice)
    failed = [s for s in states if not s.delivered]
    lines = [f"📬 通知 #{notice.id} 已发送完毕：{_counts(states)}。"]
    if failed:
        lines += ["未送达："] + [s.line().strip() for s in failed]
    lines.append(f"发送 /notice_status {notice.id} 查看各群“收到”确认情况。")
    report = SendMessage(notice.author_id, fit_lines(lines))
    await uow.outbox.enqueue([delivery(f"notice:{notice.id}:report", report)], now)


async def _may_act_on(ctx: Context, notice: Notice) -> bool:
    regions = [t.group.region_id for t in await ctx.uow.notices.targets(notice.id)]
    return ctx.actor.may_act_on(notice.author_id, regions)


async def _readable(ctx: Context, args: str, command: Command) -> Notice | None:
    """The notice ``args`` names, if this person may see it; otherwise replies why not."""
    number = typed_number(args.split()[0]) if args.split() else None
    if number is None:
        ctx.reply(usage_hint(command))
        return None
    found = await ctx.uow.notices.get(number)
    if found is None or found.state == NoticeState.DRAFT:
        ctx.reply(f"没有编号为 #{number} 的通知。发送 /notices 查看最近的通知。")
    elif not await _may_act_on(ctx, found):
        who = "发起人（仍是其目标市州的协调员时）或省级管理员"
        ctx.reply(f"⛔ 只有通知 #{number} 的{who}可以查看和操作它。")
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
        f"📊 通知 #{found.id}（{short_when(found.sent_at, zone)} 发往 {found.targets}）",
        f"{_counts(states)}。",
    ]
    if found.state in (NoticeState.DELETED, NoticeState.CANCELLED):
        lines.append("（这条通知已撤回）")
    for name in sorted(by_region, key=lambda n: order.get(n, 99)):
        region = by_region[name]
        lines.append(f"【{name}】{_counts(region)}")
        lines += [s.line() for s in region]
    ctx.reply(fit_lines(lines))


async def nudge(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/nudge ID: remind the groups that have it but have not confirmed (once per 30 min)."""
    found = await _readable(ctx, args, NUDGE)
    if found is None:
        return
    if found.state != NoticeState.SENDING:
        ctx.reply(f"通知 #{found.id} 已撤回或未发送，无法提醒。")
        return
    now = ctx.clock.now()
    zone = ctx.config.timezone
    if found.nudged_at is not None and now - in_zone(found.nudged_at, zone) < NUDGE_EVERY:
        again = in_zone(found.nudged_at, zone) + NUDGE_EVERY
        earlier = short_when(found.nudged_at, zone)
        ctx.reply(
            f"通知 #{found.id} 在 {earlier} 已提醒过，30 分钟内只能提醒一次。"
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
    reminders: list[Delivery] = []
    for state in waiting:
        assert state.delivery is not None
        reminder = SendMessage(
            state.group.chat_id, text, state.delivery.message_id, confirm_button(found.id)
        )
        key = f"notice:{found.id}:nudge:{found.nudges}:group:{state.group.id}"
        reminders.append(delivery(key, reminder, NAME, found.id))
    await ctx.uow.outbox.enqueue(reminders, now)
    ctx.reply(
        f"⏰ 已向 {len(waiting)} 个未确认的群发送提醒：{group_titles([s.group for s in waiting])}"
    )


async def recent(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notices: the last ten notices (coordinators: their own)."""
    user = ctx.actor.user
    author = None if ctx.actor.is_provincial_admin or user is None else user.id
    notices = [n for n in await ctx.uow.notices.recent(author) if await _may_act_on(ctx, n)]
    if not notices:
        ctx.reply("还没有发过通知。用法：" + NOTICE.usage)
        return
    lines = ["🗂 最近的通知："]
    for item in notices:
        head = item.text.splitlines()[0][:20]
        withdrawn = {NoticeState.DELETED: "已撤回", NoticeState.CANCELLED: "已取消"}
        summary = withdrawn.get(NoticeState(item.state)) or _counts(
            await group_states(ctx.uow, item)
        )
        when = short_when(item.sent_at or item.created_at, ctx.config.timezone)
        lines.append(f"#{item.id} {when} → {item.targets}：{summary}｜{head}")
    lines.append("发送 /notice_status 编号 查看详情。")
    ctx.reply(fit_lines(lines))


async def withdraw(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/notice_delete ID: stop what has not gone out; 收到 on what has then says so."""
    found = await _readable(ctx, args, NOTICE_DELETE)
    if found is None:
        return
    if found.state == NoticeState.DELETED:
        ctx.reply(f"通知 #{found.id} 已经撤回过了。")
        return
    found.state = NoticeState.DELETED
    stopped = await ctx.uow.outbox.cancel(NAME, found.id, ctx.clock.now())
    ctx.reply(
        f"🗑 通知 #{found.id} 已撤回：{stopped} 条尚未发出的不再发送。"
        "已发到群里的消息仍在，点“收到”会提示已撤回。"
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
