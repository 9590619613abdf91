"""Relaying a ticket's conversation: a desk member's reply to the card (or to anything the bot
relayed of the ticket) goes to the reporter's chat as a reply to their report; a reply there
to the bot's messages about the ticket goes back to the desk under the card. Which ticket a
message is about is looked up in ``sent_messages``, never parsed out of text. A desk reply
starting with ! is an internal note and stays at the desk."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.delivery import Queued, delivery
from handlers.core.model import CopyMessage, IncomingMessage, MessageKind, SendMessage
from handlers.tickets.messages import NAME, reopen_button
from handlers.tickets.opening import desk_thread
from handlers.tickets.states import may_reopen
from storage.directory import Group
from storage.outbox import Delivery
from storage.tickets import Ticket, TicketState
from storage.uow import UnitOfWork

INTERNAL = ("!", "！")


async def relay(ctx: Context, message: IncomingMessage) -> bool:
    """Relay ``message`` if it replies to one of the bot's messages about a ticket."""
    replied = message.reply_to
    sent = None
    if replied is not None and replied.sender is not None and replied.sender.id == ctx.bot.id:
        sent = await ctx.uow.outbox.sent_message(message.chat.id, replied.message_id)
    if (sent is None or sent.feature != NAME) and message.thread_id is not None:
        sent = await ctx.uow.outbox.sent_message(message.chat.id, message.thread_id)  # a topic
    if sent is None or sent.feature != NAME or sent.ref_id is None:
        return False
    ticket = await ctx.uow.tickets.get(sent.ref_id)
    if ticket is None:
        return False
    desk = await ctx.uow.tickets.desk()
    if desk is not None and message.chat.id == desk.chat_id:
        if not (message.text or "").lstrip().startswith(INTERNAL):
            await _to_reporter(ctx, message, ticket)
        return True
    if message.chat.id == ticket.origin_chat_id:
        await _to_desk(ctx, message, ticket, desk)
        return True
    return False


async def _to_reporter(ctx: Context, message: IncomingMessage, ticket: Ticket) -> None:
    header = f"【{ticket.number} 省总会回复】"
    await _pass_on(ctx, message, ticket, ticket.origin_chat_id, ticket.origin_message_id, header)


async def _to_desk(
    ctx: Context, message: IncomingMessage, ticket: Ticket, desk: Group | None
) -> None:
    if ticket.state == TicketState.CLOSED:
        ctx.reply(f"{ticket.number} 已关闭。问题如果还在，请重新提交：/ticket 遇到的问题")
        return
    if may_reopen(ticket, ctx.clock.now()):
        ctx.reply(
            f"{ticket.number} 已解决。问题如果还在，请点“重新打开”，省总会会继续处理。",
            buttons=reopen_button(ticket),
        )
        return
    card = await ctx.uow.outbox.sent_about(NAME, ticket.id, "card")
    if desk is None or card is None or card.chat_id != desk.chat_id:
        ctx.reply("已收到。工单还没有送到省总会工单台，送到后工作人员会看到工单内容。")
        return
    who = ctx.actor.user.first_name if ctx.actor.user else "报告人"
    thread = await desk_thread(ctx.uow, ticket, desk)
    head = f"【{ticket.number} {who}补充】"
    await _pass_on(ctx, message, ticket, desk.chat_id, card.message_id, head, thread)


async def _pass_on(
    ctx: Context,
    message: IncomingMessage,
    ticket: Ticket,
    chat_id: int,
    reply_to: int,
    head: str,
    thread: int | None = None,
) -> None:
    """``message`` to ``chat_id`` as a reply to ``reply_to`` (in topic ``thread``): text under
    ``head``; a photo or file copied after the head (so hidden-forward senders work too).
    The copy is remembered, so an edit of ``message`` is carried over to it."""
    now = ctx.clock.now()
    key = f"ticket:{ticket.id}:relay:{message.chat.id}:{message.message_id}"
    text = (message.text or "").strip()
    outgoing: list[tuple[str, Queued]] = []
    if message.kind is MessageKind.TEXT:
        outgoing.append((key, SendMessage(chat_id, f"{head}\n{text}", reply_to, thread_id=thread)))
    else:
        outgoing.append((f"{key}:head", SendMessage(chat_id, head, reply_to, thread_id=thread)))
        copy = CopyMessage(chat_id, message.chat.id, message.message_id, reply_to, thread)
        outgoing.append((key, copy))
    queued: list[Delivery] = [delivery(k, a, NAME, ticket.id, kind="relay") for k, a in outgoing]
    await ctx.uow.outbox.enqueue(queued, now)
    await ctx.uow.tickets.relayed(ticket, message.chat.id, message.message_id, key, head)


async def remember_ack(uow: UnitOfWork, ticket_id: int, message_id: int) -> None:
    """Tracker: the bot's answer to a filing is about the ticket (a reply to it is relayed)."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is not None:
        now = ticket.updated_at
        await uow.outbox.remember_sent(
            ticket.origin_chat_id, message_id, NAME, ticket.id, now, "ack"
        )
