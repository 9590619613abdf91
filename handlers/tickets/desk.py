"""The desk: a provincial admin makes a group the desk (/desk); its staff claim, ask for more,
resolve and recategorise tickets with the card's buttons. The card is edited in place; the
group the ticket came from gets one line when it is claimed and when it is resolved."""

from __future__ import annotations

from handlers.core.commands import Audience, Command, Where, typed_number
from handlers.core.context import Context
from handlers.core.delivery import delivery
from handlers.core.model import (
    AnswerCallback,
    CallbackPress,
    EditMessage,
    IncomingMessage,
    SendMessage,
)
from handlers.tickets.messages import (
    CATEGORIES,
    NAME,
    card_buttons,
    card_text,
    category_buttons,
    reopen_button,
    state_name,
)
from handlers.tickets.opening import desk_thread, queue_card
from handlers.tickets.states import change_state, may_reopen
from storage.tickets import Ticket, TicketState

# What each button does to the state, and the line the origin group gets (None: no line).
_MOVES = {
    "claim": (TicketState.CLAIMED, "【{number}】省总会 {who} 已认领，正在处理。"),
    "wait": (TicketState.WAITING, "【{number}】省总会需要补充信息，请回复我转来的消息说明。"),
    "done": (
        TicketState.RESOLVED,
        "【{number}】省总会已处理完毕（已解决）。如仍有问题，7 天内可点“重新打开”。",
    ),
}


async def desk(ctx: Context, message: IncomingMessage, args: str) -> None:
    """/desk: make this group the desk; the open tickets' cards follow it here."""
    group = ctx.group
    assert group is not None  # a group command
    forum = ctx.chat is not None and ctx.chat.is_forum
    if group.is_forum != forum:
        group.is_forum = forum  # each ticket then gets a topic of its own
    previous = await ctx.uow.tickets.desk()
    if previous is not None and previous.id == group.id:
        ctx.reply("本群已经是省总会工单台。")
        return
    await ctx.uow.tickets.move_desk(group)
    waiting = await ctx.uow.tickets.open_tickets()
    for ticket in waiting:
        await queue_card(ctx, ticket, group)
    moved = f"（原工单台：{previous.title}）" if previous is not None else ""
    ctx.reply(
        f"✅ 本群已设为省总会工单台{moved}。各群提交的工单会以卡片发到这里"
        f"{'（每张工单一个话题）' if forum else ''}，"
        f"点卡片上的按钮认领、处理；回复卡片即可答复报告人。待处理的工单 {len(waiting)} 张。"
    )


async def on_press(ctx: Context, press: CallbackPress, data: str) -> None:
    """认领 / 需补充 / 已解决 / 改分类 on a card: desk staff only; anyone else changes nothing."""
    action, _, rest = data.partition(":")
    ident, _, choice = rest.partition(":")
    number = typed_number(ident)
    ticket = await ctx.uow.tickets.get(number, lock=True) if number is not None else None
    if ticket is None or (action not in _MOVES and action not in ("cat", "reopen")):
        ctx.add(AnswerCallback(press.callback_id, "这个按钮已失效。"))
        return
    if action == "reopen":
        await _reopen(ctx, press, ticket)
        return
    if not ctx.actor.is_desk_staff:
        refusal = "只有省总会工单台的工作人员可以处理工单。"
        ctx.add(AnswerCallback(press.callback_id, refusal, show_alert=True))
        return
    if action == "cat":
        await _recategorise(ctx, press, ticket, choice)
    else:
        await _move(ctx, press, ticket, action)


async def _move(ctx: Context, press: CallbackPress, ticket: Ticket, action: str) -> None:
    target, note = _MOVES[action]
    assert ctx.actor.user is not None
    user = ctx.actor.user
    if ticket.state == target:
        ctx.add(AnswerCallback(press.callback_id, f"工单已经是“{state_name(ticket)}”了。"))
        return
    now = ctx.clock.now()
    change_state(ctx.uow, ticket, target, (user.id, user.label), now)
    if target is TicketState.CLAIMED:
        ticket.claimed_by, ticket.claimed_by_name = user.id, user.first_name[:255]
    _edit_card(ctx, press, ticket)
    ctx.add(AnswerCallback(press.callback_id, f"{ticket.number}：{state_name(ticket)}"))
    line = note.format(number=ticket.number, who=user.first_name)
    buttons = reopen_button(ticket) if target is TicketState.RESOLVED else ()
    reply = SendMessage(ticket.origin_chat_id, line, ticket.origin_message_id, buttons)
    key = f"ticket:{ticket.id}:{action}:{now.timestamp():.0f}"
    await ctx.uow.outbox.enqueue([delivery(key, reply, NAME, ticket.id, kind="note")], now)


async def _recategorise(ctx: Context, press: CallbackPress, ticket: Ticket, choice: str) -> None:
    if press.chat is None or press.message_id is None:
        ctx.add(AnswerCallback(press.callback_id))
        return
    chosen = typed_number(choice)
    if chosen is None or chosen >= len(CATEGORIES):  # show the choices
        text = card_text(ticket, ctx.config.timezone)
        buttons = category_buttons(ticket)
        ctx.add(EditMessage(press.chat.id, press.message_id, text, buttons))
        ctx.add(AnswerCallback(press.callback_id, "请选择新的分类。"))
        return
    assert ctx.actor.user is not None
    category, now = CATEGORIES[chosen], ctx.clock.now()
    if category != ticket.category:
        user = ctx.actor.user
        by = (user.id, user.label)
        ctx.uow.tickets.record(ticket, "category", ticket.category, category, by, now)
        ticket.category, ticket.updated_at = category, now
    _edit_card(ctx, press, ticket)
    ctx.add(AnswerCallback(press.callback_id, f"{ticket.number}：分类改为{category}"))


async def _reopen(ctx: Context, press: CallbackPress, ticket: Ticket) -> None:
    """重新打开 under the 已解决 line: the reporter or the region's coordinator, within 7 days."""
    user, now = press.user, ctx.clock.now()
    allowed = user.id == ticket.reporter_id or ctx.actor.may_manage(ticket.region_id)
    if not allowed:
        answer = "只有报告人或本市州协调员可以重新打开工单。"
        ctx.add(AnswerCallback(press.callback_id, answer, show_alert=True))
        return
    if not may_reopen(ticket, now):
        answer = f"{ticket.number} 已关闭（已解决超过 7 天），请重新提交：/ticket 问题"
        ctx.add(AnswerCallback(press.callback_id, answer, show_alert=True))
        return
    target = TicketState.CLAIMED if ticket.claimed_by else TicketState.OPEN
    change_state(ctx.uow, ticket, target, (user.id, user.label), now)
    ctx.add(AnswerCallback(press.callback_id, f"{ticket.number} 已重新打开，省总会会继续处理。"))
    card = await ctx.uow.outbox.sent_about(NAME, ticket.id, "card")
    if card is not None:
        text = card_text(ticket, ctx.config.timezone)
        ctx.add(EditMessage(card.chat_id, card.message_id, text, card_buttons(ticket)))
        line = f"🔄 {ticket.number} 被 {user.first_name} 重新打开。"
        desk = await ctx.uow.tickets.desk()
        thread = await desk_thread(ctx.uow, ticket, desk) if desk is not None else None
        note = SendMessage(card.chat_id, line, card.message_id, thread_id=thread)
        key = f"ticket:{ticket.id}:reopen:{now.timestamp():.0f}"
        await ctx.uow.outbox.enqueue([delivery(key, note, NAME, ticket.id, kind="note")], now)


def _edit_card(ctx: Context, press: CallbackPress, ticket: Ticket) -> None:
    if press.chat is not None and press.message_id is not None:
        text = card_text(ticket, ctx.config.timezone)
        ctx.add(EditMessage(press.chat.id, press.message_id, text, card_buttons(ticket)))


DESK = Command(
    "desk",
    "把本群设为省总会工单台（接收各群的工单）",
    "/desk（在要作为工单台的群里发送）",
    desk,
    Where.GROUP,
    Audience.PROVINCIAL_ADMIN,
)
