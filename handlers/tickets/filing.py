"""Filing a ticket: ``/ticket 描述`` in a group or a private chat, a group message tagged
#求助 / #工单 / #平台问题, or ``/ticket`` replying to a colleague's message (filed for them).
The ticket and its card for the desk are written in one transaction; the card goes out through
the outbox, so a ticket filed while no desk is set reaches the desk once one is."""

from __future__ import annotations

import re

from handlers.core.commands import Command, typed_number, usage_hint
from handlers.core.context import Context
from handlers.core.model import IncomingMessage, MessageKind, User
from handlers.tickets.deflection import offer_answer
from handlers.tickets.messages import card_text, state_name
from handlers.tickets.opening import Report, category_of, open_ticket
from storage.tickets import Ticket, TicketState

TAGS = ("#求助", "#工单", "#平台问题")
_TAG = re.compile(r"[#＃](?:求助|工单|平台问题)")
_NUMBER = re.compile(r"^[tT][-－]?")
MIN_TEXT = 4  # characters: shorter is not a description (求助, ？？)
_WORD = re.compile(r"[\w\u4e00-\u9fff]")


def ticket_number(text: str) -> int | None:
    """42 for T-0042, t42, #42 or 42."""
    return typed_number(_NUMBER.sub("", text.strip()))


async def file_ticket(ctx: Context, report: Report) -> None:
    """File a ticket from ``report`` and answer with its number — or first with the FAQ's
    answer, when it has a confident one (已解决 / 仍需人工)."""
    if len(_WORD.findall(report.text)) < MIN_TEXT:
        ctx.reply(f"请写清楚遇到的问题（哪个项目、哪一步、出现了什么提示）。{usage_hint(TICKET)}")
        return
    existing = await ctx.uow.tickets.from_message(report.chat_id, report.message_id)
    if existing is not None:
        ctx.reply(f"这条消息已经提交过工单 {existing.number}（{state_name(existing)}）。")
        return
    category = category_of(ctx, report.text)
    if await offer_answer(ctx, report, category):
        return
    ticket, ack = await open_ticket(ctx, report, category)
    ctx.reply(ack, track=("ticket_ack", ticket.id))


async def ticket(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/ticket 描述 | /ticket (replying to a colleague's message) | /ticket T-0042."""
    number = ticket_number(args) if args.strip() else None
    if number is not None:
        await show(ctx, number)
        return
    assert ctx.actor.user is not None
    replied = message.reply_to
    if not args.strip() and replied is not None and replied.sender is not None:
        if replied.sender.is_bot:
            ctx.reply(f"请回复报告问题的那位同事的消息。{usage_hint(TICKET)}")
            return
        report = Report(message.chat.id, replied.message_id, replied.sender, replied.text or "")
        await file_ticket(ctx, report)
        return
    if not args.strip():
        ctx.reply(f"请在 /ticket 后面写上遇到的问题。{usage_hint(TICKET)}")
        return
    await file_ticket(ctx, _report(message, ctx.actor.user, args.strip()))


async def on_tagged(ctx: Context, message: IncomingMessage) -> bool:
    """A group message tagged #求助 / #工单 / #平台问题 files a ticket."""
    text = message.text or ""
    if ctx.group is None or ctx.actor.user is None or not _TAG.search(text):
        return False
    await file_ticket(ctx, _report(message, ctx.actor.user, _TAG.sub("", text).strip()))
    return True


def _report(message: IncomingMessage, reporter: User, text: str) -> Report:
    attachment = message.kind is not MessageKind.TEXT
    return Report(message.chat.id, message.message_id, reporter, text, attachment)


async def show(ctx: Context, number: int) -> None:
    """/ticket T-0042: the ticket and its history, where it may be seen."""
    found = await ctx.uow.tickets.get(number)
    if found is None or not await may_see(ctx, found):
        ctx.reply(f"没有找到工单 T-{number:04d}。")
        return
    zone = ctx.config.timezone
    lines = [card_text(found, zone).split("\n\n")[0], "", "经过："]
    for event in await ctx.uow.tickets.history(found.id):
        when = event.at.astimezone(zone).strftime("%m-%d %H:%M")
        after = STATE_WORDS.get(event.after, event.after)
        if event.change == "category":
            after = f"分类 {event.before} → {event.after}"
        elif event.before is not None and event.after in (TicketState.OPEN, TicketState.CLAIMED):
            after = "→ 重新打开" if event.before == TicketState.RESOLVED else after
        lines.append(f"{when} {event.by_name}：{after}")
    ctx.reply("\n".join(lines))


STATE_WORDS = {state.value: f"→ {name}" for state, name in {
    TicketState.OPEN: "提交",
    TicketState.CLAIMED: "认领",
    TicketState.WAITING: "需补充",
    TicketState.RESOLVED: "已解决",
    TicketState.CLOSED: "关闭",
}.items()}  # fmt: skip


async def may_see(ctx: Context, found: Ticket) -> bool:
    """Desk staff see every ticket; a group its own; a person the tickets they reported."""
    actor = ctx.actor
    if actor.is_desk_staff:
        return True
    if ctx.group is not None:
        return found.group_id == ctx.group.id
    user = actor.user
    return user is not None and user.id in (found.reporter_id, found.filed_by)


TICKET = Command(
    "ticket",
    "向省总会提交平台问题（工单），或查看工单进度",
    "/ticket 遇到的问题，例如 /ticket 我们项目的提现申请提交十天了还是处理中；"
    "也可以回复同事的消息发送 /ticket 代他提交，或在群里发消息时带上 #求助；"
    "查看进度：/ticket T-0042",
    ticket,
)
