"""Service levels, checked every minute: a ticket unclaimed for 60 working minutes pings the
desk once; one waiting 2 days for its reporter pings them once; one resolved 7 days ago is
closed; at 09:00 on working days the desk gets a digest of open tickets by age and region.
Working time is the desk's hours (DESK_HOURS, 09:00–18:00) on China's working days."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

from handlers.core.delivery import delivery
from handlers.core.feature import Runtime
from handlers.core.model import SendMessage
from handlers.shared.workdays import is_workday, next_workday, working_minutes, working_moment
from handlers.tickets.messages import NAME, state_name
from handlers.tickets.opening import desk_thread
from handlers.tickets.states import REOPEN_WITHIN, SYSTEM, change_state
from storage.directory import Group
from storage.outbox import Delivery
from storage.tickets import Ticket, TicketState
from storage.uow import UnitOfWork

UNCLAIMED_PING = 60  # working minutes
WAITING_PING = timedelta(days=2)
DIGEST_UNTIL = time(12)  # a digest missed at 09:00 (the bot was down) still goes out until then


async def run_timers(runtime: Runtime) -> None:
    """The scheduler's job: close, ping and digest what is due, in one transaction."""
    async with UnitOfWork(runtime.sessions) as uow:
        now = runtime.clock.now()
        desk = await uow.tickets.desk()
        queued: list[Delivery] = []
        open_tickets = await uow.tickets.open_tickets(limit=10_000)
        for ticket in open_tickets:
            queued += await _due(uow, runtime, ticket, desk, now)
        if desk is not None:
            queued += _digest(runtime, desk, [t for t in open_tickets if _active(t)], now)
        if queued:
            await uow.outbox.enqueue(queued, now)
        await uow.commit()


async def next_timer_due(runtime: Runtime) -> datetime | None:
    """When ``run_timers`` will next have work (the offline demo's clock stops there): an
    unclaimed ticket's hour of working time, a 待补充 ticket's two days, a resolved ticket's
    closing, the next working morning's digest. Only moments still ahead count: what was due
    before now had its run already."""
    now = runtime.clock.now()
    zone, (opens, closes) = runtime.config.timezone, runtime.config.desk_hours
    async with UnitOfWork(runtime.sessions) as uow:
        desk = await uow.tickets.desk()
        tickets = await uow.tickets.open_tickets(limit=10_000)
        moments: list[datetime] = []
        for ticket in tickets:
            if ticket.state == TicketState.RESOLVED:
                moments.append(ticket.state_since + REOPEN_WITHIN)
            elif ticket.pinged_at is None and ticket.state == TicketState.WAITING:
                moments.append(ticket.state_since + WAITING_PING)
            elif (
                ticket.pinged_at is None and ticket.state == TicketState.OPEN and desk is not None
            ):
                moments.append(
                    working_moment(ticket.state_since, UNCLAIMED_PING, zone, opens, closes)
                )
        if desk is not None and any(_active(t) for t in tickets):
            today = now.astimezone(zone).date()
            morning = datetime.combine(today, opens, zone)
            if not is_workday(today) or morning <= now:
                morning = datetime.combine(next_workday(today), opens, zone)
            moments.append(morning)
        return min((moment for moment in moments if moment > now), default=None)


def _active(ticket: Ticket) -> bool:
    return ticket.state not in (TicketState.RESOLVED, TicketState.CLOSED)


async def _due(
    uow: UnitOfWork, runtime: Runtime, ticket: Ticket, desk: Group | None, now: datetime
) -> list[Delivery]:
    if ticket.state == TicketState.RESOLVED and now - ticket.state_since >= REOPEN_WITHIN:
        change_state(uow, ticket, TicketState.CLOSED, SYSTEM, now)
        return []
    if ticket.pinged_at is not None:
        return []
    key = f"ticket:{ticket.id}:ping:{ticket.state}:{ticket.state_since.timestamp():.0f}"
    if ticket.state == TicketState.OPEN and desk is not None:
        opens, closes = runtime.config.desk_hours
        waited = working_minutes(ticket.state_since, now, runtime.config.timezone, opens, closes)
        card = await uow.outbox.sent_about(NAME, ticket.id, "card")
        if waited >= UNCLAIMED_PING and card is not None and card.chat_id == desk.chat_id:
            ticket.pinged_at = now
            text = f"⏰ {ticket.number} 已等待 {waited // 60} 个工作小时，还没有人认领。"
            thread = await desk_thread(uow, ticket, desk)
            ping = SendMessage(desk.chat_id, text, card.message_id, thread_id=thread)
            return [delivery(key, ping, NAME, ticket.id, kind="note")]
    if ticket.state == TicketState.WAITING and now - ticket.state_since >= WAITING_PING:
        ticket.pinged_at = now
        text = f"⏰【{ticket.number}】省总会还在等您补充信息，请回复我转来的消息说明。"
        ping = SendMessage(ticket.origin_chat_id, text, ticket.origin_message_id)
        return [delivery(key, ping, NAME, ticket.id, kind="note")]
    return []


def _digest(runtime: Runtime, desk: Group, waiting: list[Ticket], now: datetime) -> list[Delivery]:
    """The morning digest, once per working day (its key holds the date)."""
    local = now.astimezone(runtime.config.timezone)
    opens = runtime.config.desk_hours[0]
    if not waiting or not is_workday(local.date()) or not opens <= local.time() < DIGEST_UNTIL:
        return []
    by_region = Counter(t.region.name if t.region else "私聊" for t in waiting)
    lines = [f"🗂 今日待办工单 {len(waiting)} 张（" + "、".join(
        f"{name} {count}" for name, count in by_region.most_common()
    ) + "）："]  # fmt: skip
    for ticket in sorted(waiting, key=lambda t: t.created_at)[:30]:
        days = (now - ticket.created_at).days
        age = f"{days} 天" if days else "今天"
        lines.append(f"{ticket.number}｜{state_name(ticket)}｜{age}｜{ticket.text[:20]}")
    digest = SendMessage(desk.chat_id, "\n".join(lines))
    return [delivery(f"ticket:digest:{local.date().isoformat()}", digest, NAME, None)]
