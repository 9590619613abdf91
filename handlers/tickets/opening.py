"""Opening a ticket, however it was filed (a command, a tag, an offer pressed): the ticket,
its first history line and its card for the desk, in the update's transaction."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.context import Context
from handlers.core.delivery import delivery
from handlers.core.model import CopyMessage, CreateTopic, SendMessage, User
from handlers.shared.knowledge import FaqKnowledge
from handlers.tickets.detect import detect
from handlers.tickets.messages import NAME, card_buttons, card_text
from storage.directory import Group
from storage.tickets import Ticket, TicketState
from storage.uow import UnitOfWork

MAX_ANALYSED = 500  # characters of a report the FAQ analyses, as for a question


@dataclass(frozen=True)
class Report:
    """What a ticket is filed from: someone's message in a chat."""

    chat_id: int
    message_id: int
    reporter: User
    text: str
    attachment: bool = False


async def queue_card(ctx: Context, ticket: Ticket, desk: Group) -> None:
    """The ticket's card for the desk, and the reporter's attachment after it (once per
    ticket and desk: queuing it again does nothing). A forum desk first gets a topic for the
    ticket (T-0042 泸州 平台异常); the card waits for it and goes into it."""
    now = ctx.clock.now()
    card = SendMessage(
        desk.chat_id, card_text(ticket, ctx.config.timezone), None, card_buttons(ticket)
    )
    key = f"ticket:{ticket.id}:card:{desk.id}"
    queued = []
    topic = None
    if desk.is_forum:
        topic = f"ticket:{ticket.id}:topic:{desk.id}"
        name = (
            f"{ticket.number} {ticket.region.name if ticket.region else '私聊'} {ticket.category}"
        )
        made = CreateTopic(desk.chat_id, name)
        queued.append(delivery(topic, made, NAME, ticket.id, kind="topic"))
    queued.append(delivery(key, card, NAME, ticket.id, kind="card", in_topic_of=topic))
    if ticket.attachment:
        copy = CopyMessage(desk.chat_id, ticket.origin_chat_id, ticket.origin_message_id)
        queued.append(
            delivery(f"{key}:file", copy, NAME, ticket.id, kind="attachment", in_topic_of=topic)
        )
    await ctx.uow.outbox.enqueue(queued, now)


async def desk_thread(uow: UnitOfWork, ticket: Ticket, desk: Group) -> int | None:
    """The ticket's topic at a forum desk (None: the desk is no forum, or it has none)."""
    if not desk.is_forum:
        return None
    topic = await uow.outbox.sent_about(NAME, ticket.id, "topic")
    return topic.message_id if topic is not None and topic.chat_id == desk.chat_id else None


def category_of(ctx: Context, text: str) -> str:
    """The category detection reads in the report (the FAQ's analysis of it), else 其他."""
    match = ctx.services.get(FaqKnowledge).match(text[:MAX_ANALYSED])
    found = detect(match) if match is not None else None
    return found.category if found is not None and found.category else "其他"


async def open_ticket(ctx: Context, report: Report, category: str) -> tuple[Ticket, str]:
    """Store the ticket and queue its card; the acknowledgement to show the reporter."""
    assert ctx.actor.user is not None
    await ctx.uow.tickets.take_turn()
    now, group = ctx.clock.now(), ctx.group
    ticket = await ctx.uow.tickets.file(
        Ticket(
            region_id=group.region_id if group else None,
            group_id=group.id if group else None,
            origin_chat_id=report.chat_id,
            origin_message_id=report.message_id,
            reporter_id=report.reporter.id,
            reporter_name=report.reporter.label[:255],
            filed_by=ctx.actor.user.id,
            category=category,
            text=report.text[:10000],
            attachment=report.attachment,
            state=TicketState.OPEN,
            created_at=now,
            updated_at=now,
            state_since=now,
        )
    )
    user = ctx.actor.user
    ctx.uow.tickets.record(ticket, "state", None, TicketState.OPEN, (user.id, user.label), now)
    desk = await ctx.uow.tickets.desk()
    if desk is not None:
        await queue_card(ctx, ticket, desk)
    mine = report.reporter.id == user.id
    on_behalf = "" if mine else f"（代 {report.reporter.first_name} 提交）"
    passed = (
        "已转给省总会工作人员。"
        if desk is not None
        else "省总会工单台还没有设置，工单已保存，设置后会立即转过去。"
    )
    return ticket, (
        f"✅ 已提交工单 {ticket.number}{on_behalf}，{passed}\n"
        "处理进展和答复会发回这里；要补充截图或文件，请直接回复我的这条消息。"
        f"查看进度：/ticket {ticket.number}"
    )
