"""/tickets: at the desk every open ticket (filtered by 状态, 市州, 分类 or 处理人 as typed), in
a group that group's own, in private the person's own."""

from __future__ import annotations

from handlers.core.commands import Command
from handlers.core.context import Context
from handlers.core.model import IncomingMessage
from handlers.shared.dates import short_when
from handlers.shared.regions import read_regions
from handlers.tickets.messages import CATEGORIES, STATE_NAMES, state_name, where
from storage.tickets import Ticket

SHOWN = 30


def _matches(ticket: Ticket, words: list[str], region_ids: set[int]) -> bool:
    """Every filter word names the ticket's state, category, region or handler."""
    for word in words:
        if word in STATE_NAMES.values():
            if state_name(ticket) != word:
                return False
        elif word in CATEGORIES:
            if ticket.category != word:
                return False
        elif region_ids:
            if ticket.region_id not in region_ids:
                return False
        elif word not in (ticket.claimed_by_name or ""):
            return False
    return True


async def list_tickets(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/tickets [状态 市州 分类 处理人]."""
    desk = await ctx.uow.tickets.desk()
    at_desk = ctx.group is not None and desk is not None and ctx.group.id == desk.id
    if at_desk or (ctx.group is None and ctx.actor.is_desk_staff):
        found = await ctx.uow.tickets.open_tickets(limit=500)
        scope = "未关闭的工单"
    elif ctx.group is not None:
        found = await ctx.uow.tickets.in_group(ctx.group.id)
        scope = "本群的工单"
    else:
        assert ctx.actor.user is not None
        found = await ctx.uow.tickets.of_person(ctx.actor.user.id)
        scope = "您提交的工单"
    words = args.split()
    named, _ = read_regions(" ".join(words), await ctx.uow.regions.all())
    chosen = [t for t in found if _matches(t, words, {r.id for r in named})]
    if not chosen:
        ctx.reply(f"没有{'符合条件的' if words else ''}{scope}。提交工单：/ticket 遇到的问题")
        return
    zone = ctx.config.timezone
    lines = [f"🎫 {scope}（{len(chosen)} 张）："]
    for ticket in chosen[:SHOWN]:
        lines.append(
            f"{ticket.number}｜{state_name(ticket)}｜{ticket.category}｜{where(ticket)}｜"
            f"{short_when(ticket.created_at, zone)}｜{ticket.text[:20]}"
        )
    if len(chosen) > SHOWN:
        lines.append(f"……只列出前 {SHOWN} 张。")
    lines.append("查看一张：/ticket T-0042")
    ctx.reply("\n".join(lines))


TICKETS = Command(
    "tickets",
    "查看工单（工单台：全部未关闭的；群里：本群的；私聊：自己提交的）",
    "/tickets [状态 市州 分类 处理人]，例如 /tickets 待处理 泸州",
    list_tickets,
)
