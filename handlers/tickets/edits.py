"""An edited relayed message is edited on the other side: the desk corrects its answer, or the
reporter their addition, and the bot's copy follows (its text under the same head, or a
copied photo's caption). ``ticket_relays`` says which copy; nothing is read out of text."""

from __future__ import annotations

from dataclasses import replace

from handlers.core.context import Context
from handlers.core.delivery import Queued, decode, delivery, encode
from handlers.core.model import EditCaption, EditMessage, IncomingMessage, MessageKind, SendMessage
from handlers.tickets.messages import NAME
from storage.outbox import DeliveryState


async def on_edit(ctx: Context, message: IncomingMessage) -> bool:
    """Carry an edit of a relayed message over to its copy (once the copy is out)."""
    relay = await ctx.uow.tickets.relay_of(message.chat.id, message.message_id)
    if relay is None:
        return False
    copy = await ctx.uow.outbox.by_key(relay.delivery_key)
    text = (message.text or "").strip()
    if copy is not None and copy.state == DeliveryState.PENDING:
        # not sent yet: it goes out as edited (a copied photo takes its caption then anyway)
        pending = decode(copy)
        if isinstance(pending, SendMessage):
            edited = replace(pending, text=f"{relay.head}\n{text}")
            await ctx.uow.outbox.rewrite_pending(relay.delivery_key, encode(edited))
        return True
    if copy is None or copy.state != DeliveryState.SENT or copy.message_id is None:
        return True  # on its way, failed or cancelled: nothing to edit
    edit: Queued
    if message.kind is MessageKind.TEXT:
        edit = EditMessage(copy.chat_id, copy.message_id, f"{relay.head}\n{text}")
    else:
        edit = EditCaption(copy.chat_id, copy.message_id, text)
    key = f"{relay.delivery_key}:edit:{message.update_id}"
    queued = delivery(key, edit, NAME, relay.ticket_id, kind="edit")
    await ctx.uow.outbox.enqueue([queued], ctx.clock.now())
    return True
