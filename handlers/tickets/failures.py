"""When the desk cannot get an attachment a ticket sent it (deleted, too large, not
copyable): the ticket stays, and the desk is told which one, once."""

from __future__ import annotations

from datetime import datetime

from handlers.core.delivery import delivery
from handlers.core.model import SendMessage
from handlers.tickets.messages import NAME
from storage.outbox import DeliveryState
from storage.uow import UnitOfWork


async def on_settled(uow: UnitOfWork, ticket_id: int, now: datetime) -> None:
    """Told when a ticket's deliveries settled: an attachment that failed is named at the desk."""
    ticket = await uow.tickets.get(ticket_id)
    if ticket is None:
        return
    told = [
        delivery(
            f"ticket:{ticket_id}:failed:{row.id}",
            SendMessage(
                row.chat_id, f"⚠️ {ticket.number} 的附件没能转来（{row.error}），请向报告人索取。"
            ),
            NAME,
            ticket_id,
        )
        for row in await uow.outbox.about(NAME, ticket_id)
        if row.state == DeliveryState.FAILED and row.kind == "attachment"
    ]
    if told:
        await uow.outbox.enqueue(told, now)
