"""The tickets feature: filing (/ticket, #求助), the desk (/desk, the card's buttons) and the
relay between the desk and the reporter's chat."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.feature import Feature, TextRoute, TextStage
from handlers.core.model import IncomingMessage
from handlers.tickets.desk import DESK, on_press
from handlers.tickets.filing import TICKET, on_tagged
from handlers.tickets.messages import NAME
from handlers.tickets.relay import relay, remember_ack


async def on_text(ctx: Context, message: IncomingMessage) -> bool:
    """A reply in a ticket's conversation is relayed; a tagged group message files one."""
    return await relay(ctx, message) or await on_tagged(ctx, message)


FEATURE = Feature(
    NAME,
    commands=(TICKET, DESK),
    callbacks={"ticket": on_press},
    on_text=TextRoute(TextStage.TAGGED, on_text),
    trackers={"ticket_ack": remember_ack},
)
