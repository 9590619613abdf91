"""The tickets feature: filing (/ticket, #求助), the desk (/desk, the card's buttons) and the
relay between the desk and the reporter's chat."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.feature import Feature, Job, TextRoute, TextStage
from handlers.core.model import IncomingMessage
from handlers.tickets.deflection import notice, on_offer_press
from handlers.tickets.desk import DESK, on_press
from handlers.tickets.edits import on_edit
from handlers.tickets.export import EXPORT
from handlers.tickets.failures import on_settled
from handlers.tickets.filing import TICKET, on_tagged
from handlers.tickets.listing import TICKETS
from handlers.tickets.messages import NAME
from handlers.tickets.nodesk import help_note, tell_admins_at_start
from handlers.tickets.relay import relay, remember_ack
from handlers.tickets.timers import next_timer_due, run_timers


async def on_text(ctx: Context, message: IncomingMessage) -> bool:
    """A reply in a ticket's conversation is relayed; a tagged group message files one."""
    return await relay(ctx, message) or await on_tagged(ctx, message)


FEATURE = Feature(
    NAME,
    commands=(TICKET, TICKETS, DESK, EXPORT),
    callbacks={"ticket": on_press, "toffer": on_offer_press},
    on_text=(TextRoute(TextStage.TAGGED, on_text), TextRoute(TextStage.REPORT, notice)),
    on_edit=on_edit,
    trackers={"ticket_ack": remember_ack},
    on_settled=on_settled,
    jobs=(Job("ticket-timers", 60, run_timers, next_timer_due),),
    on_start=tell_admins_at_start,
    help_note=help_note,
)
