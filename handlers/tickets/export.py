"""/ticket_export [2025-08]: an .xlsx for the desk, one row per ticket (with the working
minutes to the first response and to the resolution) and a summary sheet by region and
category."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime

from handlers.core.commands import Audience, Command, usage_hint
from handlers.core.context import Context
from handlers.core.model import IncomingMessage, SendDocument
from handlers.shared.workdays import working_minutes
from handlers.tickets.messages import state_name, where
from storage.tickets import Ticket, TicketEvent, TicketState

_MONTH = re.compile(r"(\d{4})[-年./](\d{1,2})月?")
HEADER = (
    "工单号", "市州", "来自", "报告人", "分类", "状态", "提交时间", "处理人",
    "首次响应（工作分钟）", "解决用时（工作分钟）", "内容",
)  # fmt: skip


async def export(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/ticket_export [年-月]: every ticket (of that month) as a spreadsheet."""
    month = _MONTH.fullmatch(args.strip()) if args.strip() else None
    if args.strip() and (month is None or not 1 <= int(month.group(2)) <= 12):
        ctx.reply(usage_hint(EXPORT))
        return
    zone = ctx.config.timezone
    chosen = []
    for ticket in await ctx.uow.tickets.all_tickets():
        local = ticket.created_at.astimezone(zone)
        if month is None or (local.year, local.month) == (int(month[1]), int(month[2])):
            chosen.append((ticket, await ctx.uow.tickets.history(ticket.id)))
    if not chosen:
        ctx.reply("这个时间段没有工单。")
        return
    assert ctx.chat is not None
    label = f"{int(month[1])}-{int(month[2]):02d}" if month else "全部"
    content = _workbook(ctx, chosen)
    ctx.add(SendDocument(ctx.chat.id, f"工单-{label}.xlsx", content, f"工单导出（{label}）"))


def _minutes(
    ctx: Context, ticket: Ticket, events: list[TicketEvent], states: set[str]
) -> int | None:
    """Working minutes from filing to the first change into one of ``states``."""
    at = next((e.at for e in events if e.change == "state" and e.after in states), None)
    if at is None:
        return None
    opens, closes = ctx.config.desk_hours
    return working_minutes(ticket.created_at, at, ctx.config.timezone, opens, closes)


def _workbook(ctx: Context, chosen: list[tuple[Ticket, list[TicketEvent]]]) -> bytes:
    # imported when a sheet is made: openpyxl (and the numpy it loads) cost ~20 MB for a
    # command few people use
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "工单"
    sheet.append(HEADER)
    responded = {TicketState.CLAIMED, TicketState.WAITING, TicketState.RESOLVED}
    for ticket, events in chosen:
        created: datetime = ticket.created_at.astimezone(ctx.config.timezone)
        sheet.append(
            (
                ticket.number,
                ticket.region.name if ticket.region else "",
                where(ticket),
                ticket.reporter_name,
                ticket.category,
                state_name(ticket),
                created.replace(tzinfo=None),
                ticket.claimed_by_name or "",
                _minutes(ctx, ticket, events, {s.value for s in responded}),
                _minutes(ctx, ticket, events, {TicketState.RESOLVED.value}),
                ticket.text,
            )
        )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    summary = book.create_sheet("汇总")
    summary.append(("市州", "分类", "工单数"))
    counts = Counter((t.region.name if t.region else "私聊", t.category) for t, _ in chosen)
    for (region, category), count in sorted(counts.items()):
        summary.append((region, category, count))
    summary.append(("合计", "", f"=SUM(C2:C{len(counts) + 1})"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXPORT = Command(
    "ticket_export",
    "导出工单表格（.xlsx）",
    "/ticket_export 或 /ticket_export 2025-08",
    export,
    audience=Audience.PROVINCIAL_ADMIN,
)
