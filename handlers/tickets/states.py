"""A ticket's life: 待处理 → 处理中 → 待补充 → 已解决 → 已关闭 (7 days after 已解决; until then
the reporter or the region's coordinator may reopen it). Every change is kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.tickets import Ticket, TicketState
from storage.uow import UnitOfWork

REOPEN_WITHIN = timedelta(days=7)  # after 已解决; then the ticket is closed
SYSTEM = (0, "系统")  # who closes a ticket nobody reopened


def change_state(
    uow: UnitOfWork, ticket: Ticket, target: TicketState, by: tuple[int, str], now: datetime
) -> None:
    """Move ``ticket`` to ``target``, keeping who did it and when; the once-only reminder of the
    new state may fire again."""
    uow.tickets.record(ticket, "state", ticket.state, target, by, now)
    ticket.state, ticket.state_since, ticket.updated_at = target, now, now
    ticket.pinged_at = None


def may_reopen(ticket: Ticket, now: datetime) -> bool:
    return ticket.state == TicketState.RESOLVED and now - ticket.state_since < REOPEN_WITHIN
