"""Offers around filing. Noticing: in a bound group, a message that reads as the writer's own
platform problem, which the FAQ did not answer, gets one quiet offer — 需要转给省总会处理吗？
[提交工单] [不用] — at most once per message and once per person per 30 minutes; only the
writer or the region's coordinator may file it; 不用 removes the offer. Deflection: filing a
problem the FAQ answers confidently shows that answer first — [已解决] [仍需人工]."""

from __future__ import annotations

from datetime import timedelta

from handlers.core.commands import typed_number
from handlers.core.context import Context
from handlers.core.model import (
    AnswerCallback,
    Button,
    CallbackPress,
    DeleteMessage,
    EditMessage,
    IncomingMessage,
    Keyboard,
    MessageKind,
    User,
)
from handlers.shared.chatter import is_acknowledgement
from handlers.shared.knowledge import FaqKnowledge
from handlers.tickets.detect import detect_normalized
from handlers.tickets.messages import NAME
from handlers.tickets.opening import MAX_ANALYSED, Report, open_ticket
from knowledge_base.limits import answer_message
from storage.tickets import TicketOffer

ONE_OFFER_PER = timedelta(minutes=30)  # per person
NOTICED, DEFLECTED = "noticed", "deflected"
OFFER = "需要转给省总会处理吗？点“提交工单”，省总会工作人员会跟进。"


def _buttons(offer: TicketOffer) -> Keyboard:
    if offer.kind == DEFLECTED:
        return ((Button("已解决", f"toffer:solved:{offer.id}"),
                 Button("仍需人工", f"toffer:file:{offer.id}")),)  # fmt: skip
    return (
        (Button("提交工单", f"toffer:file:{offer.id}"), Button("不用", f"toffer:no:{offer.id}")),
    )


async def _record(ctx: Context, report: Report, category: str, kind: str) -> TicketOffer | None:
    return await ctx.uow.tickets.offer(
        TicketOffer(
            chat_id=report.chat_id,
            message_id=report.message_id,
            user_id=report.reporter.id,
            user_name=report.reporter.label[:255],
            text=report.text[:10000],
            category=category,
            attachment=report.attachment,
            kind=kind,
            offered_at=ctx.clock.now(),
        )
    )


async def offer_answer(ctx: Context, report: Report, category: str) -> bool:
    """Before filing, the FAQ's confident answer, if it has one; whether it was shown."""
    match = ctx.services.get(FaqKnowledge).match(report.text[:MAX_ANALYSED])
    if match is None or match.decision != "answer" or not match.candidates:
        return False
    entry = await ctx.uow.faq.entry(match.candidates[0].entry.id)
    if entry is None:
        return False
    offer = await _record(ctx, report, category, DEFLECTED)
    if offer is None:
        return False
    region = ctx.group.region_id if ctx.group is not None else None
    local = await ctx.uow.faq.region_answer(entry.id, region)
    answer = answer_message(entry.question, local.answer if local else entry.answer)
    ctx.reply(f"这个问题知识库里有答案，先看看能否解决：\n{answer}", _buttons(offer))
    return True


async def notice(ctx: Context, message: IncomingMessage) -> bool:
    """A group message the FAQ left alone: offer to file it if it reports a problem."""
    text, user, group = (message.text or "").strip(), ctx.actor.user, ctx.group
    if not text or user is None or group is None or group.region_id is None:
        return False
    if message.is_forward or is_acknowledgement(text):
        return False
    normalized = ctx.services.get(FaqKnowledge).normalized(text[:MAX_ANALYSED])
    found = detect_normalized(normalized) if normalized is not None else None
    if found is None or not found.is_problem:
        return False
    if await ctx.uow.tickets.offered_since(user.id, ctx.clock.now() - ONE_OFFER_PER):
        return False
    attachment = message.kind is not MessageKind.TEXT
    report = Report(message.chat.id, message.message_id, user, text, attachment)
    offer = await _record(ctx, report, found.category or "其他", NOTICED)
    if offer is None:
        return False
    ctx.reply(OFFER, _buttons(offer))
    return True


async def on_offer_press(ctx: Context, press: CallbackPress, data: str) -> None:
    """提交工单 / 不用 under a noticed problem; 已解决 / 仍需人工 under a deflecting answer."""
    action, _, ident = data.partition(":")
    number = typed_number(ident)
    offer = await ctx.uow.tickets.get_offer(number, lock=True) if number is not None else None
    if offer is None or action not in ("file", "no", "solved") or press.chat is None:
        ctx.add(AnswerCallback(press.callback_id, "这个按钮已失效。"))
        return
    group_region = ctx.group.region_id if ctx.group is not None else None
    if press.user.id != offer.user_id and not ctx.actor.may_manage(group_region):
        refusal = "只有提出问题的人或本市州协调员可以操作。"
        ctx.add(AnswerCallback(press.callback_id, refusal, show_alert=True))
        return
    if offer.answered_at is not None:
        ctx.add(AnswerCallback(press.callback_id, "已经处理过了。"))
        return
    offer.answered_at = ctx.clock.now()
    where = press.chat.id, press.message_id or 0
    if action == "no":
        ctx.add(DeleteMessage(*where))
        ctx.add(AnswerCallback(press.callback_id, "好的，不转交。"))
    elif action == "solved":
        ctx.add(EditMessage(*where, "👍 问题已解决，没有提交工单。"))
        ctx.add(AnswerCallback(press.callback_id, "好的，很高兴帮上忙。"))
    else:
        reporter = User(offer.user_id, offer.user_name)
        report = Report(offer.chat_id, offer.message_id, reporter, offer.text, offer.attachment)
        ticket, ack = await open_ticket(ctx, report, offer.category)
        offer.ticket_id = ticket.id
        ctx.add(EditMessage(*where, ack))
        # a reply to this message (a screenshot) is about the ticket, as for a direct answer
        await ctx.uow.outbox.remember_sent(*where, NAME, ticket.id, offer.answered_at, "ack")
        ctx.add(AnswerCallback(press.callback_id, f"已提交工单 {ticket.number}"))
